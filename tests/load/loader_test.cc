#include "load/loader.h"

#include <filesystem>
#include <map>

#include "fs/put_job.h"
#include "load/gpu.h"
#include "load/volume_source.h"
#include "meta/sqlite_meta_store.h"
#include "store/local_dir_store.h"
#include "support/test_util.h"

namespace strata::load {
namespace {

using strata::testing::IsOk;
using strata::testing::StatusIs;
namespace stdfs = std::filesystem;

struct RefTensor {
  std::string name;
  std::string dtype;
  size_t elem_bytes;
  std::vector<uint64_t> shape;
  std::vector<uint8_t> bytes;
};

// The reference writer: a safetensors file in the layout the format specifies.
void WriteSafetensors(const std::string& path, const std::vector<RefTensor>& tensors) {
  std::string json = "{\"__metadata__\":{\"format\":\"pt\"}";
  uint64_t offset = 0;
  std::vector<uint8_t> data;
  for (const auto& t : tensors) {
    json += ",\"" + t.name + "\":{\"dtype\":\"" + t.dtype + "\",\"shape\":[";
    for (size_t i = 0; i < t.shape.size(); ++i) json += (i ? "," : "") + std::to_string(t.shape[i]);
    json += "],\"data_offsets\":[" + std::to_string(offset) + "," +
            std::to_string(offset + t.bytes.size()) + "]}";
    offset += t.bytes.size();
    data.insert(data.end(), t.bytes.begin(), t.bytes.end());
  }
  json += "}";
  while ((8 + json.size()) % 8) json += ' ';  // as the reference writer aligns the data
  std::vector<uint8_t> file(8);
  for (int i = 0; i < 8; ++i)
    file[static_cast<size_t>(i)] = static_cast<uint8_t>(json.size() >> (8 * i));
  file.insert(file.end(), json.begin(), json.end());
  file.insert(file.end(), data.begin(), data.end());
  strata::testing::WriteLocalFile(path, file);
}

RefTensor Make(std::mt19937_64& rng, std::string name, std::string dtype, size_t elem,
               std::vector<uint64_t> shape) {
  uint64_t n = 1;
  for (auto d : shape) n *= d;
  return RefTensor{std::move(name), std::move(dtype), elem, shape,
                   strata::testing::RandomBytes(rng, n * elem)};
}

std::vector<RefTensor> Model(std::mt19937_64& rng) {
  std::vector<RefTensor> t;
  t.push_back(Make(rng, "f32", "F32", 4, {3, 5}));
  t.push_back(Make(rng, "f16", "F16", 2, {7}));
  t.push_back(Make(rng, "bf16", "BF16", 2, {2, 2, 2}));
  t.push_back(Make(rng, "i64", "I64", 8, {4}));
  t.push_back(Make(rng, "i8", "I8", 1, {9}));
  t.push_back(Make(rng, "u8", "U8", 1, {1}));
  t.push_back(Make(rng, "bool", "BOOL", 1, {6}));
  t.push_back(Make(rng, "scalar", "F32", 4, {}));
  t.push_back(Make(rng, "empty", "F32", 4, {0, 3}));
  t.push_back(Make(rng, "big", "F32", 4, {100000}));  // 400 KB: larger than a read unit
  for (int i = 0; i < 300; ++i) t.push_back(Make(rng, "small." + std::to_string(i), "F16", 2, {3}));
  return t;
}

void ExpectSame(const std::vector<RefTensor>& expected, const LoadedFile& file) {
  ASSERT_EQ(file.header().tensors.size(), expected.size());
  for (const auto& ref : expected) {
    Result<Tensor> t = file.Get(ref.name);
    ASSERT_OK(t);
    EXPECT_EQ(DTypeName(t->info->dtype), ref.dtype) << ref.name;
    EXPECT_EQ(t->info->shape, ref.shape) << ref.name;
    ASSERT_EQ(t->bytes.size(), ref.bytes.size()) << ref.name;
    EXPECT_TRUE(std::equal(ref.bytes.begin(), ref.bytes.end(), t->bytes.begin())) << ref.name;
  }
  EXPECT_EQ(file.header().metadata.at("format"), "pt");
}

class LoaderTest : public ::testing::Test {
 protected:
  strata::testing::TempDir dir_;
  std::mt19937_64 rng_{2024};
  Loader loader_{LoaderOptions{4, 64 * 1024}};
};

TEST_F(LoaderTest, LoadsEveryDtypeAndShapeByteForByte) {
  std::vector<RefTensor> model = Model(rng_);
  WriteSafetensors(dir_.Sub("model.safetensors"), model);
  Result<std::vector<LoadedFile>> files = loader_.LoadLocal(dir_.Sub("model.safetensors"));
  ASSERT_OK(files);
  ASSERT_EQ(files->size(), 1u);
  ExpectSame(model, (*files)[0]);
}

TEST_F(LoaderTest, TensorsKeepTheirBufferAlive) {
  std::vector<RefTensor> model = Model(rng_);
  WriteSafetensors(dir_.Sub("m.safetensors"), model);
  Tensor big;
  {
    auto files = std::move(loader_.LoadLocal(dir_.Sub("m.safetensors"))).value();
    big = *files[0].Get("big");
  }
  EXPECT_TRUE(std::equal(model[9].bytes.begin(), model[9].bytes.end(), big.bytes.begin()));
  EXPECT_EQ(big.info->name, "big");
}

TEST_F(LoaderTest, LoadsAllShardsOfAnIndexOrADirectory) {
  std::vector<RefTensor> a{Make(rng_, "a.w", "F32", 4, {50000})};
  std::vector<RefTensor> b{Make(rng_, "b.w", "I8", 1, {10}), Make(rng_, "b.x", "U8", 1, {0})};
  stdfs::create_directories(dir_.Sub("m"));
  WriteSafetensors(dir_.Sub("m/model-00001-of-00002.safetensors"), a);
  WriteSafetensors(dir_.Sub("m/model-00002-of-00002.safetensors"), b);
  Result<std::vector<LoadedFile>> by_dir = loader_.LoadLocal(dir_.Sub("m"));
  ASSERT_OK(by_dir);
  ASSERT_EQ(by_dir->size(), 2u);
  ExpectSame(a, (*by_dir)[0]);
  ExpectSame(b, (*by_dir)[1]);
  std::string index =
      R"({"metadata":{"total_size":200010},"weight_map":{"a.w":"model-00001-of-00002.safetensors","b.w":"model-00002-of-00002.safetensors","b.x":"model-00002-of-00002.safetensors"}})";
  strata::testing::WriteLocalFile(dir_.Sub("m/model.safetensors.index.json"),
                                  std::vector<uint8_t>(index.begin(), index.end()));
  Result<std::vector<std::string>> shards = ResolveShards(dir_.Sub("m"));
  ASSERT_OK(shards);
  EXPECT_EQ(shards->size(), 2u);
  EXPECT_OK(loader_.LoadLocal(dir_.Sub("m/model.safetensors.index.json")));
}

TEST_F(LoaderTest, LoadsFromAVolumeThroughVerifiedChunks) {
  std::vector<RefTensor> model = Model(rng_);
  WriteSafetensors(dir_.Sub("model.safetensors"), model);
  auto meta = std::move(meta::OpenSqliteMetaStore(dir_.Sub("meta.db"))).value();
  auto objects = std::move(store::OpenLocalDirStore(dir_.Sub("chunks"))).value();
  ASSERT_OK(meta->CreateVolume("w", 64 * 1024));
  auto volume = std::move(fs::Volume::Open(*meta, *objects, "w")).value();
  ThreadPool pool(4);
  fs::TransferStats stats;
  ASSERT_OK(
      fs::PutPath(*volume, pool, dir_.Sub("model.safetensors"), "/m/model.safetensors", stats));
  Result<std::vector<LoadedFile>> files =
      LoadFromVolume(loader_, *volume, {"/m/model.safetensors"});
  ASSERT_OK(files);
  ExpectSame(model, (*files)[0]);
  // A damaged chunk is an error naming the file, never wrong tensor bytes.
  meta::FileContent content = *volume->Content("/m/model.safetensors");
  std::string key = store::ChunkKey(content.chunks[3]);
  std::vector<uint8_t> bytes = *objects->ReadAll(key);
  bytes[0] ^= 1;
  ASSERT_OK(objects->Put(key, bytes));
  Result<std::vector<LoadedFile>> damaged =
      LoadFromVolume(loader_, *volume, {"/m/model.safetensors"});
  EXPECT_THAT(damaged, StatusIs(Code::kCorruption));
  EXPECT_NE(damaged.status().message().find("/m/model.safetensors"), std::string::npos);
}

TEST_F(LoaderTest, BadInputsAreClearErrors) {
  EXPECT_THAT(loader_.LoadLocal(dir_.Sub("missing.safetensors")), StatusIs(Code::kNotFound));
  strata::testing::WriteLocalFile(dir_.Sub("bad.safetensors"), {1, 2, 3, 4, 5, 6, 7, 8, 9});
  Result<std::vector<LoadedFile>> bad = loader_.LoadLocal(dir_.Sub("bad.safetensors"));
  EXPECT_THAT(bad, StatusIs(Code::kInvalidArgument));
  EXPECT_NE(bad.status().message().find("bad.safetensors"), std::string::npos);
  std::vector<RefTensor> one{Make(rng_, "x", "U8", 1, {2})};
  WriteSafetensors(dir_.Sub("ok.safetensors"), one);
  auto files = std::move(loader_.LoadLocal(dir_.Sub("ok.safetensors"))).value();
  EXPECT_THAT(files[0].Get("nope"), StatusIs(Code::kNotFound));
  stdfs::create_directories(dir_.Sub("emptydir"));
  EXPECT_THAT(loader_.LoadLocal(dir_.Sub("emptydir")), StatusIs(Code::kNotFound));
}

TEST(DeviceTest, ParsesTorchSpellings) {
  EXPECT_EQ(*Device::Parse("cpu"), Device::Cpu());
  EXPECT_EQ(*Device::Parse("cuda"), Device::Cuda(0));
  EXPECT_EQ(*Device::Parse("cuda:3"), Device::Cuda(3));
  EXPECT_EQ(Device::Cuda(3).ToString(), "cuda:3");
  for (const char* bad : {"", "gpu", "cuda:", "cuda:-1", "cuda:1x", "CPU", "cuda:99999999999"}) {
    EXPECT_THAT(Device::Parse(bad), StatusIs(Code::kInvalidArgument)) << bad;
  }
}

TEST_F(LoaderTest, AGpuLoadWithoutAGpuIsUnavailableNotACrash) {
  if (gpu::Available()) GTEST_SKIP() << "this machine has a GPU";
  std::vector<RefTensor> one{Make(rng_, "x", "U8", 1, {2})};
  WriteSafetensors(dir_.Sub("ok.safetensors"), one);
  EXPECT_THAT(loader_.LoadLocal(dir_.Sub("ok.safetensors"), Device::Cuda(0)),
              StatusIs(Code::kUnavailable));
  // Host loads still work, in plain memory.
  auto files = std::move(loader_.LoadLocal(dir_.Sub("ok.safetensors"))).value();
  EXPECT_FALSE(files[0].tensors()[0].memory->pinned());
}

TEST_F(LoaderTest, GpuLoadMatchesTheFile) {
  if (!gpu::Available()) GTEST_SKIP() << "no CUDA GPU";
  std::vector<RefTensor> model = Model(rng_);
  WriteSafetensors(dir_.Sub("model.safetensors"), model);
  // A ring smaller than the model and many streams: slots are reused while copies run.
  Loader small_ring(
      LoaderOptions{.threads = 4, .read_bytes = 64 * 1024, .pinned_bytes = 1, .streams = 3});
  auto files =
      std::move(small_ring.LoadLocal(dir_.Sub("model.safetensors"), Device::Cuda(0))).value();
  ASSERT_EQ(files[0].device(), Device::Cuda(0));
  for (const RefTensor& ref : model) {
    const Tensor t = *files[0].Get(ref.name);
    std::vector<uint8_t> back(t.bytes.size());
    ASSERT_OK(gpu::CopyToHost(back.data(), t.bytes.data(), back.size(), 0));
    EXPECT_EQ(back, ref.bytes) << ref.name;
  }
}

TEST(ShardIndexTest, NamesEachShardOnceAndRefusesPaths) {
  auto names = ShardsOfIndex(R"({"weight_map": {"a": "s2", "b": "s1", "c": "s2"}})", "i.json");
  ASSERT_OK(names);
  EXPECT_EQ(*names, (std::vector<std::string>{"s1", "s2"}));
  EXPECT_THAT(ShardsOfIndex(R"({"weight_map": {"a": "../x"}})", "i.json"),
              StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(ShardsOfIndex(R"({"weight_map": {"a": ".."}})", "i.json"),
              StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(ShardsOfIndex(R"({"weight_map": {"a": 1}})", "i.json"),
              StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(ShardsOfIndex("[]", "i.json"), StatusIs(Code::kInvalidArgument));
}

}  // namespace
}  // namespace strata::load
