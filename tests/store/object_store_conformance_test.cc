#include "store/object_store_conformance.h"

#include "store/local_dir_store.h"
#include "store/memory_store.h"

namespace strata::store {
namespace {

INSTANTIATE_TEST_SUITE_P(
    AllStores, ObjectStoreConformanceTest,
    ::testing::Values(StoreFactory{"LocalDir",
                                   [](const std::string& dir) {
                                     return std::move(OpenLocalDirStore(dir + "/store")).value();
                                   }},
                      StoreFactory{"Memory", [](const std::string&) { return NewMemoryStore(); }}),
    [](const ::testing::TestParamInfo<StoreFactory>& p) { return p.param.name; });

}  // namespace
}  // namespace strata::store
