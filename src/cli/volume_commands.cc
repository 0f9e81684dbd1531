// strata volume create | list
#include <memory>

#include <fmt/core.h>

#include "cli/commands.h"
#include "core/byte_size.h"
#include "core/clock.h"

namespace strata::cli {

void AddVolumeCommands(CLI::App& app, fs::Session& ctx, Action& action) {
  CLI::App* volume = app.add_subcommand("volume", "Create, list and delete volumes");
  volume->require_subcommand(1);

  struct CreateOptions {
    std::string name;
    std::string chunk_size = "4M";
    bool if_missing = false;
  };
  auto create = std::make_shared<CreateOptions>();
  CLI::App* create_cmd = volume->add_subcommand("create", "Create a named volume");
  create_cmd->add_option("name", create->name, "Volume name: 1-63 of A-Z a-z 0-9 . _ -")
      ->required();
  create_cmd
      ->add_option("--chunk-size", create->chunk_size,
                   "Chunk size, fixed for the volume's life (64K..64M)")
      ->capture_default_str();
  create_cmd->add_flag("--if-missing", create->if_missing,
                       "Succeed without change if the volume exists");
  create_cmd->callback([&ctx, &action, create] {
    action = [&ctx, create]() -> Status {
      ASSIGN_OR_RETURN(uint64_t chunk_size, ParseByteSize(create->chunk_size));
      RETURN_IF_ERROR(ctx.Open());
      Result<meta::VolumeInfo> made = ctx.meta().CreateVolume(create->name, chunk_size);
      if (!made.ok() && made.status().code() == Code::kAlreadyExists && create->if_missing) {
        fmt::print("volume '{}' exists\n", create->name);
        return Status::OK();
      }
      RETURN_IF_ERROR(made.status());
      fmt::print("created volume '{}' (chunk size {})\n", made->name,
                 FormatBytes(made->chunk_size_bytes));
      return Status::OK();
    };
  });

  auto delete_name = std::make_shared<std::string>();
  CLI::App* delete_cmd = volume->add_subcommand(
      "delete",
      "Delete a volume and everything in it (its chunks go at the next gc unless shared)");
  delete_cmd->add_option("name", *delete_name, "Volume name")->required();
  delete_cmd->callback([&ctx, &action, delete_name] {
    action = [&ctx, delete_name]() -> Status {
      RETURN_IF_ERROR(meta::ValidateVolumeName(*delete_name));
      RETURN_IF_ERROR(ctx.Open());
      Status status = ctx.meta().DeleteVolume(*delete_name);
      if (status.code() == Code::kNotFound) {
        return Status::NotFound(fmt::format("no volume named '{}'", *delete_name));
      }
      RETURN_IF_ERROR(status);
      fmt::print("deleted volume '{}'; chunks no other volume uses are reclaimed by `strata gc`\n",
                 *delete_name);
      return Status::OK();
    };
  });

  CLI::App* list_cmd = volume->add_subcommand("list", "List volumes");
  list_cmd->callback([&ctx, &action] {
    action = [&ctx]() -> Status {
      RETURN_IF_ERROR(ctx.Open());
      ASSIGN_OR_RETURN(std::vector<meta::VolumeInfo> volumes, ctx.meta().ListVolumes());
      fmt::print("{:<24} {:>10}  {}\n", "NAME", "CHUNK", "CREATED");
      for (const auto& v : volumes) {
        fmt::print("{:<24} {:>10}  {}\n", v.name, FormatBytes(v.chunk_size_bytes),
                   FormatTime(v.created_ns));
      }
      return Status::OK();
    };
  });
}

}  // namespace strata::cli
