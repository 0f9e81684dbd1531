// strata ls | mv | cp | rm | mkdir | ln | stat | du: the namespace of a volume.
#include <memory>

#include <fmt/core.h>

#include "base/parse_integer.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "core/byte_size.h"
#include "core/clock.h"
#include "fs/disk_usage.h"
#include "fs/path.h"

namespace strata::cli {
namespace {

struct ListOptions {
  std::string volume;
  std::string path = "/";
  bool long_format = false;
  bool recursive = false;
  bool human = false;
};

Status PrintDirectory(fs::Volume& volume, const std::string& path, const ListOptions& opt,
                      bool header) {
  ASSIGN_OR_RETURN(std::vector<meta::DirEntry> entries, volume.List(path));
  if (header) fmt::print("{}:\n", path);
  for (const auto& e : entries) {
    if (!opt.long_format) {
      fmt::print("{}{}\n", e.name, e.attr.type == meta::FileType::kDirectory ? "/" : "");
      continue;
    }
    std::string target;
    if (e.attr.type == meta::FileType::kSymlink) {
      ASSIGN_OR_RETURN(target, volume.meta().ReadLink(e.attr.ino));
    }
    fmt::print("{}\n", LongListingLine(e.attr, e.name, target, opt.human));
  }
  if (!opt.recursive) return Status::OK();
  for (const auto& e : entries) {
    if (e.attr.type != meta::FileType::kDirectory) continue;
    fmt::print("\n");
    RETURN_IF_ERROR(PrintDirectory(volume, fs::ChildPath(path, e.name), opt, true));
  }
  return Status::OK();
}

// `mv a d` and `cp a d` with `d` an existing directory put `a` inside it, as mv(1) and cp(1) do.
Result<std::string> IntoDirectory(fs::Volume& volume, const std::string& src,
                                  const std::string& dst) {
  Result<meta::Attr> target = volume.Stat(dst, /*follow=*/true);
  if (!target.ok() || target->type != meta::FileType::kDirectory) return dst;
  ASSIGN_OR_RETURN(std::vector<std::string> names, fs::SplitPath(src));
  if (names.empty()) return dst;
  return fs::ChildPath(dst, names.back());
}

}  // namespace

void AddNamespaceCommands(CLI::App& app, fs::Session& ctx, Action& action) {
  // ls
  auto ls = std::make_shared<ListOptions>();
  CLI::App* ls_cmd = app.add_subcommand("ls", "List a directory of a volume");
  ls_cmd->add_option("volume", ls->volume, "Volume name")->required();
  ls_cmd->add_option("path", ls->path, "Directory or file (default /)");
  ls_cmd->add_flag("-l,--long", ls->long_format, "Mode, links, size, modification time");
  ls_cmd->add_flag("-R,--recursive", ls->recursive, "List subdirectories too");
  ls_cmd->add_flag("-H,--human", ls->human, "Sizes as KiB/MiB/GiB with -l");
  ls_cmd->callback([&ctx, &action, ls] {
    action = [&ctx, ls]() -> Status {
      ASSIGN_OR_RETURN(auto volume, ctx.OpenVolume(ls->volume));
      ASSIGN_OR_RETURN(meta::Attr attr, volume->Stat(ls->path, /*follow=*/true));
      if (attr.type != meta::FileType::kDirectory) {
        ASSIGN_OR_RETURN(std::vector<std::string> names, fs::SplitPath(ls->path));
        if (ls->long_format) {
          fmt::print("{}\n", LongListingLine(attr, fs::JoinPath(names), "", ls->human));
        } else {
          fmt::print("{}\n", fs::JoinPath(names));
        }
        return Status::OK();
      }
      return PrintDirectory(*volume, ls->path, *ls, ls->recursive);
    };
  });

  // mv
  struct TwoPaths {
    std::string volume, src, dst;
    bool recursive = false;
  };
  auto mv = std::make_shared<TwoPaths>();
  CLI::App* mv_cmd = app.add_subcommand(
      "mv", "Rename or move, atomically; replaces an existing file like rename(2)");
  mv_cmd->add_option("volume", mv->volume, "Volume name")->required();
  mv_cmd->add_option("src", mv->src, "Existing path")->required();
  mv_cmd->add_option("dst", mv->dst, "New path; an existing directory receives src inside it")
      ->required();
  mv_cmd->callback([&ctx, &action, mv] {
    action = [&ctx, mv]() -> Status {
      ASSIGN_OR_RETURN(auto volume, ctx.OpenVolume(mv->volume));
      ASSIGN_OR_RETURN(std::string dst, IntoDirectory(*volume, mv->src, mv->dst));
      return volume->Rename(mv->src, dst);
    };
  });

  // cp
  auto cp = std::make_shared<TwoPaths>();
  CLI::App* cp_cmd =
      app.add_subcommand("cp", "Copy a file or tree by its chunk lists (no bytes are copied)");
  cp_cmd->add_option("volume", cp->volume, "Volume name")->required();
  cp_cmd->add_option("src", cp->src, "Existing path")->required();
  cp_cmd->add_option("dst", cp->dst, "New path; an existing directory receives src inside it")
      ->required();
  cp_cmd->add_flag("-r,--recursive", cp->recursive, "Copy directories");
  cp_cmd->callback([&ctx, &action, cp] {
    action = [&ctx, cp]() -> Status {
      ASSIGN_OR_RETURN(auto volume, ctx.OpenVolume(cp->volume));
      ASSIGN_OR_RETURN(std::string dst, IntoDirectory(*volume, cp->src, cp->dst));
      return volume->Copy(cp->src, dst, cp->recursive);
    };
  });

  // rm
  struct RmOptions {
    std::string volume;
    std::vector<std::string> paths;
    bool recursive = false;
    bool force = false;
  };
  auto rm = std::make_shared<RmOptions>();
  CLI::App* rm_cmd = app.add_subcommand("rm", "Remove files, symlinks or directories");
  rm_cmd->add_option("volume", rm->volume, "Volume name")->required();
  rm_cmd->add_option("paths", rm->paths, "Paths to remove")->required();
  rm_cmd->add_flag("-r,--recursive", rm->recursive, "Remove directories and their contents");
  rm_cmd->add_flag("-f,--force", rm->force, "Ignore paths that do not exist");
  rm_cmd->footer(
      "Chunks stay in the store until garbage collection; an empty directory goes "
      "without -r.");
  rm_cmd->callback([&ctx, &action, rm] {
    action = [&ctx, rm]() -> Status {
      ASSIGN_OR_RETURN(auto volume, ctx.OpenVolume(rm->volume));
      for (const auto& path : rm->paths) {
        Status status = volume->Remove(path, rm->recursive);
        if (status.code() == Code::kNotFound && rm->force) continue;
        RETURN_IF_ERROR(status);
      }
      return Status::OK();
    };
  });

  // mkdir
  struct MkdirOptions {
    std::string volume;
    std::vector<std::string> paths;
    bool parents = false;
    std::string mode = "755";
  };
  auto mkdir = std::make_shared<MkdirOptions>();
  CLI::App* mkdir_cmd = app.add_subcommand("mkdir", "Create directories");
  mkdir_cmd->add_option("volume", mkdir->volume, "Volume name")->required();
  mkdir_cmd->add_option("paths", mkdir->paths, "Directories to create")->required();
  mkdir_cmd->add_flag("-p,--parents", mkdir->parents,
                      "Create missing parents; no error if the directory exists");
  mkdir_cmd->add_option("-m,--mode", mkdir->mode, "Permission bits in octal")
      ->capture_default_str();
  mkdir_cmd->callback([&ctx, &action, mkdir] {
    action = [&ctx, mkdir]() -> Status {
      std::optional<uint32_t> mode = ParseInteger<uint32_t>(mkdir->mode, 8);
      if (!mode || *mode > 07777) {
        return Status::InvalidArgument(fmt::format("mode '{}' is not octal 0-7777", mkdir->mode));
      }
      ASSIGN_OR_RETURN(auto volume, ctx.OpenVolume(mkdir->volume));
      for (const auto& path : mkdir->paths) {
        RETURN_IF_ERROR(volume->Mkdir(path, *mode, mkdir->parents).status());
      }
      return Status::OK();
    };
  });

  // ln -s
  struct LnOptions {
    std::string volume, target, path;
    bool symbolic = false;
  };
  auto ln = std::make_shared<LnOptions>();
  CLI::App* ln_cmd = app.add_subcommand("ln", "Create a symbolic link (ln -s TARGET PATH)");
  ln_cmd->add_option("volume", ln->volume, "Volume name")->required();
  ln_cmd->add_option("target", ln->target, "What the link points to (stored as given)")->required();
  ln_cmd->add_option("path", ln->path, "Path of the new link")->required();
  ln_cmd->add_flag("-s,--symbolic", ln->symbolic, "Make a symbolic link (required)");
  ln_cmd->callback([&ctx, &action, ln] {
    action = [&ctx, ln]() -> Status {
      if (!ln->symbolic) {
        return Status::InvalidArgument("only symbolic links are supported here: use ln -s");
      }
      ASSIGN_OR_RETURN(auto volume, ctx.OpenVolume(ln->volume));
      return volume->Symlink(ln->target, ln->path).status();
    };
  });

  // stat
  struct StatOptions {
    std::string volume, path;
    bool verbose = false;
  };
  auto st = std::make_shared<StatOptions>();
  CLI::App* stat_cmd = app.add_subcommand("stat", "Show a path's size, chunks and times");
  stat_cmd->add_option("volume", st->volume, "Volume name")->required();
  stat_cmd->add_option("path", st->path, "Path in the volume")->required();
  stat_cmd->add_flag("-v,--verbose", st->verbose, "List the chunk ids");
  stat_cmd->callback([&ctx, &action, st] {
    action = [&ctx, st]() -> Status {
      ASSIGN_OR_RETURN(auto volume, ctx.OpenVolume(st->volume));
      ASSIGN_OR_RETURN(meta::Attr attr, volume->Stat(st->path, /*follow=*/false));
      ASSIGN_OR_RETURN(std::vector<std::string> names, fs::SplitPath(st->path));
      fmt::print("    path: {}\n", fs::JoinPath(names));
      fmt::print("    type: {}\n", meta::FileTypeName(attr.type));
      fmt::print("    size: {} bytes ({})\n", attr.size_bytes, FormatBytes(attr.size_bytes));
      fmt::print("    mode: {:04o} ({})\n", attr.mode, ModeString(attr));
      fmt::print("   owner: uid {} gid {}\n", attr.uid, attr.gid);
      fmt::print("   links: {}\n", attr.nlink);
      fmt::print("   inode: {} (version {})\n", attr.ino.value, attr.version);
      fmt::print("modified: {}\n", FormatTime(attr.mtime_ns));
      fmt::print(" changed: {}\n", FormatTime(attr.ctime_ns));
      if (attr.type == meta::FileType::kSymlink) {
        ASSIGN_OR_RETURN(std::string target, volume->meta().ReadLink(attr.ino));
        fmt::print("  target: {}\n", target);
      }
      if (attr.type != meta::FileType::kRegular) return Status::OK();
      ASSIGN_OR_RETURN(meta::FileContent content, volume->meta().GetContent(attr.ino));
      fmt::print("  chunks: {} of up to {}\n", content.chunks.size(),
                 FormatBytes(volume->chunk_size_bytes()));
      if (st->verbose) {
        for (size_t i = 0; i < content.chunks.size(); ++i) {
          fmt::print(
              "  {:>6} {:>14} {:>10} {}\n", i, i * volume->chunk_size_bytes(),
              meta::ChunkLength(content.size_bytes, volume->chunk_size_bytes(), i),
              content.chunks[i].is_hole() ? "(hole: zeros, not stored)" : content.chunks[i].Hex());
        }
      }
      return Status::OK();
    };
  });

  // du
  struct DuOptions {
    std::string volume;
    std::string path = "/";
  };
  auto du = std::make_shared<DuOptions>();
  CLI::App* du_cmd =
      app.add_subcommand("du", "Logical bytes under a path vs bytes its distinct chunks store");
  du_cmd->add_option("volume", du->volume, "Volume name")->required();
  du_cmd->add_option("path", du->path, "Path in the volume (default /)");
  du_cmd->callback([&ctx, &action, du] {
    action = [&ctx, du]() -> Status {
      ASSIGN_OR_RETURN(auto volume, ctx.OpenVolume(du->volume));
      ASSIGN_OR_RETURN(fs::Usage u, fs::DiskUsage(*volume, du->path));
      fmt::print("{} files, {} directories, {} symlinks\n", u.files, u.directories, u.symlinks);
      fmt::print("logical: {} ({} bytes) in {} chunk references\n", FormatBytes(u.logical_bytes),
                 u.logical_bytes, u.chunk_refs);
      fmt::print("stored:  {} ({} bytes) in {} distinct chunks\n", FormatBytes(u.stored_bytes),
                 u.stored_bytes, u.unique_chunks);
      if (u.logical_bytes > 0) {
        fmt::print("dedup:   {:.2f}x ({:.1f}% saved)\n",
                   static_cast<double>(u.logical_bytes) /
                       static_cast<double>(u.stored_bytes ? u.stored_bytes : 1),
                   100.0 * (1.0 - static_cast<double>(u.stored_bytes) /
                                      static_cast<double>(u.logical_bytes)));
      }
      return Status::OK();
    };
  });
}

}  // namespace strata::cli
