// The MetaStore conformance suite: written against the interface, instantiated once per backend
// (sqlite_meta_store_test.cc now; PostgreSQL later) with INSTANTIATE_TEST_SUITE_P.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "meta/meta_store.h"
#include "meta/sql_connection.h"
#include "support/test_util.h"

namespace strata::meta {

struct MetaStoreFactory {
  std::string name;
  // Opens a fresh, empty store; `dir` is a scratch directory that outlives the store.
  std::function<std::unique_ptr<MetaStore>(const std::string& dir)> open;
  // A fresh, empty database (its URL or path) and a connection to it with its schema current,
  // for stores over a decorated connection. Unset where one database cannot be shared (":memory:").
  std::function<std::string(const std::string& dir)> fresh_database;
  std::function<std::unique_ptr<SqlConnection>(const std::string& database)> connect;
};

// Names the parameter in test output (gtest would print its bytes).
inline void PrintTo(const MetaStoreFactory& factory, std::ostream* os) { *os << factory.name; }

class MetaStoreConformanceTest : public ::testing::TestWithParam<MetaStoreFactory> {
 protected:
  void SetUp() override;

  // A new volume's root, for tests that need one.
  InodeId Root() const { return volume_.root; }
  // Shorthands that assert success.
  Attr Dir(InodeId parent, const std::string& name);
  Attr File(InodeId parent, const std::string& name, uint64_t size = 0);

  strata::testing::TempDir dir_;
  std::unique_ptr<MetaStore> store_;
  VolumeInfo volume_;
};

}  // namespace strata::meta
