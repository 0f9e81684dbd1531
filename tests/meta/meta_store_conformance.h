// The MetaStore conformance suite: written against the interface, instantiated once per backend
// (sqlite_meta_store_test.cc now; PostgreSQL later) with INSTANTIATE_TEST_SUITE_P.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "meta/meta_store.h"
#include "support/test_util.h"

namespace strata::meta {

struct MetaStoreFactory {
  std::string name;
  // Opens a fresh, empty store; `dir` is a scratch directory that outlives the store.
  std::function<std::unique_ptr<MetaStore>(const std::string& dir)> open;
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
