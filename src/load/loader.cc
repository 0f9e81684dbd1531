#include "load/loader.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "base/host_buffer.h"
#include "base/str_cat.h"
#include "load/gpu.h"
#include "load/json.h"

namespace strata::load {

Tensor LoadedFile::View(const TensorInfo& info) const {
  const uint8_t* base = memory_->data() + header_->data_offset;
  return Tensor{&info, memory_, header_, {base + info.begin, info.size_bytes()}};
}

Result<Tensor> LoadedFile::Get(std::string_view tensor_name) const {
  for (const auto& info : header_->tensors) {
    if (info.name == tensor_name) return View(info);
  }
  return Status::NotFound(StrCat("no tensor '", tensor_name, "' in ", name_));
}

std::vector<Tensor> LoadedFile::tensors() const {
  std::vector<Tensor> out;
  out.reserve(header_->tensors.size());
  for (const auto& info : header_->tensors) out.push_back(View(info));
  return out;
}

Result<std::vector<std::string>> ResolveShards(const std::string& local_path) {
  namespace stdfs = std::filesystem;
  std::error_code ec;
  stdfs::path path(local_path);
  if (stdfs::is_directory(path, ec)) {
    stdfs::path index = path / kShardIndexName;
    if (stdfs::exists(index, ec)) return ResolveShards(index.string());
    std::vector<std::string> files;
    for (const auto& entry : stdfs::directory_iterator(path, ec)) {
      if (entry.path().extension() == ".safetensors") files.push_back(entry.path().string());
    }
    if (ec) return Status::IOError(StrCat("list ", local_path, ": ", ec.message()));
    if (files.empty()) {
      return Status::NotFound(StrCat(local_path, ": no .safetensors files in this directory"));
    }
    std::sort(files.begin(), files.end());
    return files;
  }
  if (!local_path.ends_with(".json")) {
    if (!stdfs::exists(path, ec)) {
      return Status::NotFound(StrCat(local_path, ": no such file or directory"));
    }
    return std::vector<std::string>{local_path};
  }
  std::ifstream in(local_path, std::ios::binary);
  if (!in) return Status::NotFound(StrCat(local_path, ": cannot open the index"));
  if (stdfs::file_size(path, ec) > kMaxShardIndexBytes) {
    return Status::InvalidArgument(
        StrCat(local_path, ": larger than ", kMaxShardIndexBytes, " bytes: not a shard index"));
  }
  std::string text((std::istreambuf_iterator<char>(in)), {});
  ASSIGN_OR_RETURN(std::vector<std::string> names, ShardsOfIndex(text, local_path));
  std::vector<std::string> shards;
  shards.reserve(names.size());
  for (const auto& name : names) shards.push_back((path.parent_path() / name).string());
  return shards;
}

Result<std::vector<std::string>> ShardsOfIndex(std::string_view index_json,
                                               std::string_view index_name) {
  // {"metadata": {...}, "weight_map": {"tensor": "shard file", ...}}
  Result<JsonValue> root = ParseJson(index_json);
  if (!root.ok()) {
    return Status::InvalidArgument(StrCat(index_name, ": ", root.status().message()));
  }
  const JsonValue* weight_map = nullptr;
  if (root->is_object()) {
    for (const auto& [key, value] : root->members()) {
      if (key == "weight_map") weight_map = &value;
    }
  }
  if (!weight_map || !weight_map->is_object()) {
    return Status::InvalidArgument(StrCat(index_name, ": no weight_map object"));
  }
  std::set<std::string> shards;
  for (const auto& [tensor, file] : weight_map->members()) {
    if (!file.is_string() || file.str().find('/') != std::string::npos || file.str().empty() ||
        file.str() == "." || file.str() == "..") {
      return Status::InvalidArgument(
          StrCat(index_name, ": weight_map entry '", tensor, "' is not a file name"));
    }
    shards.insert(file.str());
  }
  return std::vector<std::string>(shards.begin(), shards.end());
}

Loader::Loader(LoaderOptions options)
    : options_(options),
      pool_(options.threads ? options.threads : ThreadPool::DefaultThreads() * 2) {}

Result<std::vector<LoadedFile>> Loader::LoadLocal(const std::string& path, Device device) {
  ASSIGN_OR_RETURN(std::vector<std::string> files, ResolveShards(path));
  return LoadLocalFiles(files, device);
}

Result<std::vector<LoadedFile>> Loader::LoadLocalFiles(const std::vector<std::string>& paths,
                                                       Device device) {
  std::vector<std::unique_ptr<ByteSource>> sources;
  for (const auto& path : paths) {
    ASSIGN_OR_RETURN(auto source, OpenLocalSource(path, options_.read_bytes));
    sources.push_back(std::move(source));
  }
  return Load(std::move(sources), device);
}

namespace {

struct Plan {
  ByteSource* source = nullptr;
  std::shared_ptr<FileMemory> memory;
  // Where the header's units are read: the file's memory on the host; for a GPU, `prefix`.
  uint8_t* host = nullptr;
  uint64_t host_bytes = 0;
  std::shared_ptr<HostBuffer> prefix;
  std::vector<bool> done;   // per unit; written before each parallel phase, read after
  uint64_t header_end = 0;  // 8 + N, once known
  std::shared_ptr<const SafetensorsHeader> header;
};

uint64_t UnitLength(const ByteSource& s, uint64_t unit_index) {
  uint64_t start = unit_index * s.read_unit();
  return std::min(s.read_unit(), s.size() - start);
}

uint64_t UnitsCovering(const ByteSource& s, uint64_t bytes) {
  return (std::min(bytes, s.size()) + s.read_unit() - 1) / s.read_unit();
}

using LandUnit = std::function<Status(Plan&, uint64_t unit)>;

// Lands the units [0, last(plan)) of every plan not landed yet, all in parallel.
Status ReadUnits(ThreadPool& pool, std::vector<Plan>& plans,
                 const std::function<uint64_t(const Plan&)>& last, const LandUnit& land) {
  TaskGroup group(pool);
  for (auto& plan : plans) {
    for (uint64_t u = 0, end = last(plan); u < end; ++u) {
      if (plan.done[u]) continue;
      plan.done[u] = true;
      group.Run([&plan, u, &land]() -> Status { return land(plan, u); });
    }
  }
  return group.Wait();
}

Status ReadToHost(Plan& plan, uint64_t u) {
  uint64_t offset = u * plan.source->read_unit();
  return plan.source->ReadUnit(offset, {plan.host + offset, UnitLength(*plan.source, u)});
}

// A GPU load reads the header into a host prefix; grows it to `bytes` (whole units), keeping
// what it holds.
Status GrowPrefix(Plan& plan, uint64_t bytes) {
  bytes =
      std::min(UnitsCovering(*plan.source, bytes) * plan.source->read_unit(), plan.source->size());
  if (bytes <= plan.host_bytes) return Status::OK();
  ASSIGN_OR_RETURN(std::shared_ptr<HostBuffer> grown, HostBuffer::Allocate(bytes));
  if (plan.prefix) std::copy_n(plan.prefix->data(), plan.host_bytes, grown->data());
  plan.prefix = std::move(grown);
  plan.host = plan.prefix->data();
  plan.host_bytes = bytes;
  return Status::OK();
}

}  // namespace

Result<std::vector<LoadedFile>> Loader::Load(std::vector<std::unique_ptr<ByteSource>> sources,
                                             Device device) {
  if (!device.is_cpu()) RETURN_IF_ERROR(gpu::CheckDevice(device.index));
  std::vector<Plan> plans;
  plans.reserve(sources.size());
  uint64_t largest_unit = 1;
  for (auto& source : sources) {
    if (source->size() < kHeaderLengthBytes) {
      return Status::InvalidArgument(StrCat(
          source->name(), ": invalid safetensors file: shorter than the 8-byte header length"));
    }
    Plan plan;
    plan.source = source.get();
    ASSIGN_OR_RETURN(plan.memory,
                     AllocateFileMemory(source->size(), device, options_.pin_host_memory));
    if (device.is_cpu()) {
      plan.host = plan.memory->data();
      plan.host_bytes = source->size();
    } else {
      RETURN_IF_ERROR(GrowPrefix(plan, kHeaderLengthBytes));
    }
    plan.done.assign(UnitsCovering(*source, source->size()), false);
    largest_unit = std::max(largest_unit, source->read_unit());
    plans.push_back(std::move(plan));
  }
  // Phase 1: the units holding the header length, then those holding each header.
  RETURN_IF_ERROR(ReadUnits(
      pool_, plans, [](const Plan& p) { return UnitsCovering(*p.source, kHeaderLengthBytes); },
      ReadToHost));
  for (auto& plan : plans) {
    Result<uint64_t> n = ParseHeaderLength({plan.host, kHeaderLengthBytes}, plan.source->size());
    if (!n.ok()) return n.status().WithContext(plan.source->name());
    plan.header_end = kHeaderLengthBytes + *n;
    if (plan.prefix) RETURN_IF_ERROR(GrowPrefix(plan, plan.header_end));
  }
  RETURN_IF_ERROR(ReadUnits(
      pool_, plans, [](const Plan& p) { return UnitsCovering(*p.source, p.header_end); },
      ReadToHost));
  for (auto& plan : plans) {
    Result<SafetensorsHeader> header =
        ParseSafetensorsHeader({plan.host, plan.header_end}, plan.source->size());
    if (!header.ok()) return header.status().WithContext(plan.source->name());
    plan.header = std::make_shared<const SafetensorsHeader>(std::move(*header));
  }
  // Phase 2: every other unit of every file, all in flight together.
  auto all_units = [](const Plan& p) { return static_cast<uint64_t>(p.done.size()); };
  if (device.is_cpu()) {
    RETURN_IF_ERROR(ReadUnits(pool_, plans, all_units, ReadToHost));
  } else {
    for (auto& plan : plans) {
      RETURN_IF_ERROR(
          gpu::CopyToDevice(plan.memory->data(), plan.host, plan.host_bytes, device.index));
      plan.prefix.reset();
    }
    size_t slots =
        std::max<size_t>(pool_.size() + options_.streams, options_.pinned_bytes / largest_unit);
    ASSIGN_OR_RETURN(auto uploader, gpu::Uploader::Create(device.index, largest_unit, slots,
                                                          std::max<size_t>(options_.streams, 1)));
    Status read = ReadUnits(pool_, plans, all_units, [&](Plan& plan, uint64_t u) {
      uint64_t offset = u * plan.source->read_unit();
      return uploader->Upload(
          plan.memory->data() + offset, UnitLength(*plan.source, u),
          [&](std::span<uint8_t> slot) { return plan.source->ReadUnit(offset, slot); });
    });
    Status copied = uploader->Finish();
    RETURN_IF_ERROR(read);
    RETURN_IF_ERROR(copied);
  }
  std::vector<LoadedFile> files;
  files.reserve(plans.size());
  for (auto& plan : plans) files.emplace_back(plan.source->name(), plan.header, plan.memory);
  return files;
}

}  // namespace strata::load
