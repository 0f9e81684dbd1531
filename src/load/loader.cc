#include "load/loader.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include <fmt/core.h>

#include "load/json.h"

namespace strata::load {

Tensor LoadedFile::View(const TensorInfo& info) const {
  const uint8_t* base = buffer_->data() + header_->data_offset;
  return Tensor{&info, buffer_, header_, {base + info.begin, info.size_bytes()}};
}

Result<Tensor> LoadedFile::Get(std::string_view tensor_name) const {
  for (const auto& info : header_->tensors) {
    if (info.name == tensor_name) return View(info);
  }
  return Status::NotFound(fmt::format("no tensor '{}' in {}", tensor_name, name_));
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
    stdfs::path index = path / "model.safetensors.index.json";
    if (stdfs::exists(index, ec)) return ResolveShards(index.string());
    std::vector<std::string> files;
    for (const auto& entry : stdfs::directory_iterator(path, ec)) {
      if (entry.path().extension() == ".safetensors") files.push_back(entry.path().string());
    }
    if (ec) return Status::IOError(fmt::format("list {}: {}", local_path, ec.message()));
    if (files.empty()) {
      return Status::NotFound(
          fmt::format("{}: no .safetensors files in this directory", local_path));
    }
    std::sort(files.begin(), files.end());
    return files;
  }
  if (!local_path.ends_with(".json")) {
    if (!stdfs::exists(path, ec)) {
      return Status::NotFound(fmt::format("{}: no such file or directory", local_path));
    }
    return std::vector<std::string>{local_path};
  }
  // An index: {"metadata": {...}, "weight_map": {"tensor": "shard file", ...}}
  std::ifstream in(local_path, std::ios::binary);
  if (!in) return Status::NotFound(fmt::format("{}: cannot open the index", local_path));
  std::string text((std::istreambuf_iterator<char>(in)), {});
  Result<JsonValue> root = ParseJson(text);
  if (!root.ok()) {
    return Status::InvalidArgument(fmt::format("{}: {}", local_path, root.status().message()));
  }
  const JsonValue* weight_map = nullptr;
  if (root->is_object()) {
    for (const auto& [key, value] : root->members()) {
      if (key == "weight_map") weight_map = &value;
    }
  }
  if (!weight_map || !weight_map->is_object()) {
    return Status::InvalidArgument(fmt::format("{}: no weight_map object", local_path));
  }
  std::set<std::string> shards;
  for (const auto& [tensor, file] : weight_map->members()) {
    if (!file.is_string() || file.str().find('/') != std::string::npos || file.str().empty()) {
      return Status::InvalidArgument(
          fmt::format("{}: weight_map entry '{}' is not a file name", local_path, tensor));
    }
    shards.insert((path.parent_path() / file.str()).string());
  }
  return std::vector<std::string>(shards.begin(), shards.end());
}

Loader::Loader(LoaderOptions options)
    : options_(options),
      pool_(options.threads ? options.threads : ThreadPool::DefaultThreads() * 2) {}

Result<std::vector<LoadedFile>> Loader::LoadLocal(const std::string& path) {
  ASSIGN_OR_RETURN(std::vector<std::string> files, ResolveShards(path));
  return LoadLocalFiles(files);
}

Result<std::vector<LoadedFile>> Loader::LoadLocalFiles(const std::vector<std::string>& paths) {
  std::vector<std::unique_ptr<ByteSource>> sources;
  for (const auto& path : paths) {
    ASSIGN_OR_RETURN(auto source, OpenLocalSource(path, options_.read_bytes));
    sources.push_back(std::move(source));
  }
  return Load(std::move(sources));
}

Result<std::vector<LoadedFile>> Loader::LoadFromVolume(fs::Volume& volume,
                                                       const std::vector<std::string>& paths) {
  std::vector<std::unique_ptr<ByteSource>> sources;
  for (const auto& path : paths) {
    ASSIGN_OR_RETURN(auto source, OpenVolumeSource(volume, path));
    sources.push_back(std::move(source));
  }
  return Load(std::move(sources));
}

namespace {

struct Plan {
  ByteSource* source;
  std::shared_ptr<HostBuffer> buffer;
  std::vector<bool> done;   // per unit; written before the parallel phase, read after
  uint64_t header_end = 0;  // 8 + N, once known
  std::shared_ptr<const SafetensorsHeader> header;
};

uint64_t UnitLength(const ByteSource& s, uint64_t unit_index) {
  uint64_t start = unit_index * s.read_unit();
  return std::min(s.read_unit(), s.size() - start);
}

// Reads the units [first, last) of every plan in parallel.
Status ReadUnits(ThreadPool& pool, std::vector<Plan>& plans,
                 const std::function<std::pair<uint64_t, uint64_t>(const Plan&)>& range) {
  TaskGroup group(pool);
  for (auto& plan : plans) {
    auto [first, last] = range(plan);
    for (uint64_t u = first; u < last; ++u) {
      if (plan.done[u]) continue;
      plan.done[u] = true;
      group.Run([&plan, u]() -> Status {
        uint64_t offset = u * plan.source->read_unit();
        return plan.source->ReadUnit(offset,
                                     {plan.buffer->data() + offset, UnitLength(*plan.source, u)});
      });
    }
  }
  return group.Wait();
}

}  // namespace

Result<std::vector<LoadedFile>> Loader::Load(std::vector<std::unique_ptr<ByteSource>> sources) {
  std::vector<Plan> plans;
  plans.reserve(sources.size());
  for (auto& source : sources) {
    if (source->size() < kHeaderLengthBytes) {
      return Status::InvalidArgument(fmt::format(
          "{}: invalid safetensors file: shorter than the 8-byte header length", source->name()));
    }
    ASSIGN_OR_RETURN(auto buffer, HostBuffer::Allocate(source->size()));
    uint64_t units = (source->size() + source->read_unit() - 1) / source->read_unit();
    plans.push_back(Plan{source.get(), std::move(buffer), std::vector<bool>(units, false), 0, {}});
  }
  auto units_of = [](const Plan& p, uint64_t bytes) {
    return std::make_pair(uint64_t{0}, (bytes + p.source->read_unit() - 1) / p.source->read_unit());
  };
  // Phase 1: the units holding the header length, then those holding each header.
  RETURN_IF_ERROR(
      ReadUnits(pool_, plans, [&](const Plan& p) { return units_of(p, kHeaderLengthBytes); }));
  for (auto& plan : plans) {
    Result<uint64_t> n =
        ParseHeaderLength({plan.buffer->data(), kHeaderLengthBytes}, plan.source->size());
    if (!n.ok()) return n.status().WithContext(plan.source->name());
    plan.header_end = kHeaderLengthBytes + *n;
  }
  RETURN_IF_ERROR(
      ReadUnits(pool_, plans, [&](const Plan& p) { return units_of(p, p.header_end); }));
  for (auto& plan : plans) {
    Result<SafetensorsHeader> header =
        ParseSafetensorsHeader({plan.buffer->data(), plan.buffer->size()}, plan.source->size());
    if (!header.ok()) return header.status().WithContext(plan.source->name());
    plan.header = std::make_shared<const SafetensorsHeader>(std::move(*header));
  }
  // Phase 2: every other unit of every file, all in flight together.
  RETURN_IF_ERROR(ReadUnits(pool_, plans, [&](const Plan& p) {
    return std::make_pair(uint64_t{0}, static_cast<uint64_t>(p.done.size()));
  }));
  std::vector<LoadedFile> files;
  files.reserve(plans.size());
  for (auto& plan : plans) files.emplace_back(plan.source->name(), plan.header, plan.buffer);
  return files;
}

}  // namespace strata::load
