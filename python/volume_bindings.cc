#include "volume_bindings.h"

#include <memory>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <pybind11/stl.h>

#include "fs/file_reader.h"
#include "fs/path.h"
#include "fs/put_job.h"
#include "fs/session.h"
#include "fs/tree_walk.h"
#include "load/volume_source.h"
#include "loader_bindings.h"
#include "status_exceptions.h"

namespace py = pybind11;

namespace strata::python {
namespace {

// One open volume with the session (stores, tiers, pool) it was opened through.
class VolumeHandle {
 public:
  VolumeHandle(std::unique_ptr<fs::Session> session, std::unique_ptr<fs::Volume> volume)
      : session_(std::move(session)), volume_(std::move(volume)) {}

  const std::string& name() const { return volume_->info().name; }
  fs::Volume& volume() { return *volume_; }
  const std::shared_ptr<fs::Volume>& shared_volume() { return volume_; }
  ThreadPool& pool() { return session_->pool(); }

 private:
  std::unique_ptr<fs::Session> session_;  // outlives the volume, which uses its stores
  std::shared_ptr<fs::Volume> volume_;
};

// Reads one version of a file in order, with read-ahead (Python iterates it in pieces).
class FileReaderHandle {
 public:
  FileReaderHandle(std::shared_ptr<VolumeHandle> volume, meta::FileContent content,
                   std::string path)
      : volume_(std::move(volume)),
        reader_(volume_->shared_volume(), volume_->pool(), std::move(content), std::move(path)) {}
  uint64_t size() const { return reader_.size(); }
  py::bytes Read(uint64_t offset, size_t length) {
    std::string out(length, '\0');
    Result<size_t> n = [&] {
      py::gil_scoped_release unlocked;
      return reader_.ReadAt(offset, {reinterpret_cast<uint8_t*>(out.data()), out.size()});
    }();
    out.resize(Unwrap(std::move(n)));
    return py::bytes(out);
  }

 private:
  std::shared_ptr<VolumeHandle> volume_;
  fs::FileReader reader_;
};

py::dict EntryDict(const std::string& path, const meta::Attr& attr) {
  py::dict entry;
  entry["path"] = path;
  entry["type"] = std::string(meta::FileTypeName(attr.type));
  entry["size"] = attr.size_bytes;
  entry["mtime"] = static_cast<double>(attr.mtime_ns) / 1e9;
  entry["mode"] = attr.mode;
  return entry;
}

void ListInto(fs::Volume& volume, const std::string& dir, bool recursive, py::list& out) {
  std::vector<std::pair<std::string, meta::Attr>> entries;
  {
    py::gil_scoped_release unlocked;
    Check([&]() -> Status {
      ASSIGN_OR_RETURN(meta::Attr attr, volume.Stat(dir, /*follow=*/true));
      if (attr.type != meta::FileType::kDirectory) {
        return Status::NotDirectory(fmt::format("{}: not a directory", dir));
      }
      fs::TreeVisitor list;
      list.descend = [&](const fs::TreeEntry& e) { return e.depth == 0 || recursive; };
      list.enter = [&](const fs::TreeEntry& e) {
        if (e.depth > 0) entries.emplace_back(e.path, e.attr);
        return Status::OK();
      };
      return fs::WalkTree(volume.meta(), attr, dir, list);
    }());
  }
  for (const auto& [path, attr] : entries) out.append(EntryDict(path, attr));
}

std::shared_ptr<VolumeHandle> OpenVolume(const std::string& name, bool create_if_missing,
                                         const std::string& home, const std::string& meta_url,
                                         const std::string& store_url,
                                         const std::string& cache_dir) {
  py::gil_scoped_release unlocked;
  auto session = std::make_unique<fs::Session>();
  session->options().home = home;
  session->options().meta_url = meta_url;
  session->options().store_url = store_url;
  session->options().cache_dir = cache_dir;
  Check(session->Open());
  if (create_if_missing) {
    Result<meta::VolumeInfo> made = session->meta().CreateVolume(name, meta::kDefaultChunkSize);
    if (!made.ok() && made.status().code() != Code::kAlreadyExists) Check(made.status());
  }
  std::unique_ptr<fs::Volume> volume = Unwrap(session->OpenVolume(name));
  return std::make_shared<VolumeHandle>(std::move(session), std::move(volume));
}

}  // namespace

void BindVolumes(py::module_& m) {
  py::class_<FileReaderHandle>(m, "FileReader")
      .def_property_readonly("size", &FileReaderHandle::size)
      .def("read", &FileReaderHandle::Read, py::arg("offset"), py::arg("length"));

  py::class_<VolumeHandle, std::shared_ptr<VolumeHandle>>(m, "VolumeHandle")
      .def_property_readonly("name", &VolumeHandle::name)
      .def(
          "stat",
          [](VolumeHandle& v, const std::string& path) {
            meta::Attr attr = [&] {
              py::gil_scoped_release unlocked;
              return Unwrap(v.volume().Stat(path));
            }();
            return EntryDict(path, attr);
          },
          py::arg("path"))
      .def(
          "listdir",
          [](VolumeHandle& v, const std::string& path, bool recursive) {
            py::list out;
            ListInto(v.volume(), fs::JoinPath(Unwrap(fs::SplitPath(path))), recursive, out);
            return out;
          },
          py::arg("path"), py::arg("recursive") = false)
      .def(
          "put",
          [](VolumeHandle& v, const std::string& local_path, const std::string& volume_path) {
            fs::TransferStats stats;
            {
              py::gil_scoped_release unlocked;
              Check(fs::PutPath(v.volume(), v.pool(), local_path, volume_path, stats));
            }
            return py::make_tuple(stats.files_done.load(), stats.bytes_done.load());
          },
          py::arg("local_path"), py::arg("volume_path"),
          "puts a local file or directory (its contents merge into a directory there)")
      .def(
          "mkdir",
          [](VolumeHandle& v, const std::string& path, bool parents) {
            py::gil_scoped_release unlocked;
            Unwrap(v.volume().Mkdir(path, 0755, parents));
          },
          py::arg("path"), py::arg("parents") = true)
      .def(
          "remove",
          [](VolumeHandle& v, const std::string& path, bool recursive) {
            py::gil_scoped_release unlocked;
            Check(v.volume().Remove(path, recursive));
          },
          py::arg("path"), py::arg("recursive") = false)
      .def(
          "rename",
          [](VolumeHandle& v, const std::string& src, const std::string& dst) {
            py::gil_scoped_release unlocked;
            Check(v.volume().Rename(src, dst));
          },
          py::arg("src"), py::arg("dst"))
      .def(
          "open_reader",
          [](std::shared_ptr<VolumeHandle> v, const std::string& path) {
            meta::FileContent content = [&] {
              py::gil_scoped_release unlocked;
              return Unwrap(v->volume().Content(path));
            }();
            return std::make_unique<FileReaderHandle>(v, std::move(content), path);
          },
          py::arg("path"))
      .def(
          "resolve_shards",
          [](VolumeHandle& v, const std::string& path) {
            py::gil_scoped_release unlocked;
            return Unwrap(load::ResolveVolumeShards(v.volume(), path));
          },
          py::arg("path"))
      .def(
          "load",
          [](VolumeHandle& v, load::Loader& loader, const std::vector<std::string>& paths,
             const std::string& device) {
            load::Device where = ParseDevice(device);
            Result<std::vector<load::LoadedFile>> files = [&] {
              py::gil_scoped_release unlocked;
              return load::LoadFromVolume(loader, v.volume(), paths, where);
            }();
            return WrapFiles(Unwrap(std::move(files)));
          },
          py::arg("loader"), py::arg("paths"), py::arg("device") = "cpu");

  m.def("open_volume", &OpenVolume, py::arg("name"), py::arg("create_if_missing") = false,
        py::arg("home") = "", py::arg("meta") = "", py::arg("store") = "",
        py::arg("cache_dir") = "",
        "opens a volume with the CLI's defaults: STRATA_HOME, STRATA_META, STRATA_STORE, …");
}

}  // namespace strata::python
