// strata import: bring a model snapshot in from a Hugging Face-compatible hub.
#include <memory>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "cli/commands.h"
#include "cli/progress.h"
#include "core/byte_size.h"
#include "hub/hub_client.h"
#include "hub/import_job.h"

namespace strata::cli {

void AddImportCommands(CLI::App& app, fs::Session& ctx, Action& action) {
  struct ImportOptions {
    std::string source, volume, path;
    std::vector<std::string> includes;
    size_t connections = 16;
    std::string range_size = "16M";
  };
  auto opts = std::make_shared<ImportOptions>();
  CLI::App* cmd = app.add_subcommand(
      "import", "Import a model snapshot from a Hugging Face-compatible hub at a pinned revision");
  cmd->add_option("source", opts->source,
                  "hub://ORG/NAME[@REVISION] (a branch, tag or commit; default main)")
      ->required();
  cmd->add_option("volume", opts->volume, "Volume name")->required();
  cmd->add_option("path", opts->path, "Directory in the volume that becomes the snapshot")
      ->required();
  cmd->add_option("--include", opts->includes,
                  "Only files matching this glob ('*' matches '/' too); repeatable");
  cmd->add_option("--connections", opts->connections,
                  "Ranged requests in flight at once (default 16)")
      ->check(CLI::Range(1, 256));
  cmd->add_option("--range-size", opts->range_size,
                  "Bytes per ranged request, rounded up to whole chunks (default 16M)");
  cmd->footer(
      "HF_ENDPOINT (default https://huggingface.co) and HF_TOKEN are honoured. A branch or tag\n"
      "is resolved to its commit, which is recorded in PATH/.strata-hub.json. Files are streamed\n"
      "into chunks in parallel and checked against the hub's sha256 (LFS) or git blob id; the\n"
      "snapshot appears at PATH in one step, replacing a previous one, and a failed import\n"
      "leaves PATH as it was. Importing the commit already at PATH transfers nothing; files\n"
      "unchanged since the previous snapshot are copied, not downloaded.");
  cmd->callback([&ctx, &action, opts] {
    action = [&ctx, opts]() -> Status {
      ASSIGN_OR_RETURN(hub::HubRef ref, hub::ParseHubUrl(opts->source));
      ASSIGN_OR_RETURN(uint64_t range_bytes, ParseByteSize(opts->range_size));
      hub::HubClientOptions client_options;
      client_options.max_connections = opts->connections;
      ASSIGN_OR_RETURN(auto client, hub::HubClient::Open(client_options));
      ASSIGN_OR_RETURN(auto volume, ctx.OpenVolume(opts->volume));
      // Downloads wait on the network: one worker per connection, whatever --threads says for
      // local work.
      ThreadPool pool(opts->connections);
      hub::ImportOptions import_options;
      import_options.includes = opts->includes;
      import_options.range_bytes = range_bytes;
      hub::ImportResult result;
      Status status = RunTransfer(
          "import", "downloaded",
          [&](fs::TransferStats& stats) -> Status {
            ASSIGN_OR_RETURN(result, hub::ImportSnapshot(*volume, pool, *client, ref, opts->path,
                                                         import_options, stats));
            return Status::OK();
          },
          [&](const fs::TransferStats& stats) {
            return fmt::format("; {} chunks uploaded, {} already present",
                               stats.chunks_uploaded.load(), stats.chunks_present.load());
          });
      RETURN_IF_ERROR(status);
      const hub::HubSnapshot& s = result.snapshot;
      if (result.already_present) {
        fmt::print("import: {}@{} is already at {} (commit {}); nothing transferred\n", s.repo,
                   s.revision, opts->path, s.commit);
      } else {
        fmt::print("import: {}@{} → {}:{} at commit {} ({} files downloaded, {} unchanged)\n",
                   s.repo, s.revision, opts->volume, opts->path, s.commit, result.files_downloaded,
                   result.files_reused);
      }
      return Status::OK();
    };
  });
}

}  // namespace strata::cli
