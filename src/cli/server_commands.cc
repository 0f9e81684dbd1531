// strata serve; strata token create|list|revoke; strata kv set|get|delete|list.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include <fmt/core.h>

#include "cli/commands.h"
#include "cli/until_signal.h"
#include "core/byte_size.h"
#include "core/clock.h"
#include "core/duration.h"
#include "server/api_server.h"
#include "server/tokens.h"

namespace strata::cli {
namespace {

Status Serve(fs::Session& ctx, const server::ServerOptions& options) {
  BlockStopSignals();  // before the pool and the tiers start their threads
  // A server reads the same files again and again: unless told otherwise it keeps verified
  // chunks in memory (an eighth of the machine's), so a repeated download is not hashed again.
  if (ctx.options().memory_cache_size.empty() &&
      std::getenv("STRATA_MEMORY_CACHE_SIZE") == nullptr) {
    uint64_t ram = static_cast<uint64_t>(::sysconf(_SC_PHYS_PAGES)) *
                   static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    ctx.options().memory_cache_size = std::to_string(ram / 8);
  }
  RETURN_IF_ERROR(ctx.Open());
  RETURN_IF_ERROR(ctx.tiers().status());
  ASSIGN_OR_RETURN(auto api, server::ApiServer::Bind(ctx, options));
  std::string host = options.listen.substr(0, options.listen.rfind(':'));
  fmt::print("serve: http://{}:{}/ (Ctrl-C stops)\n", host, api->port());
  if (host != "127.0.0.1" && host != "localhost" && host != "::1") {
    fmt::print("serve: listening beyond loopback; every request needs a token\n");
  }
  std::fflush(stdout);
  Status served = ServeUntilSignal([&] { return api->Serve(); }, [&] { api->Stop(); });
  ASSIGN_OR_RETURN(cache::Tiers * tiers, ctx.tiers());
  RETURN_IF_ERROR(tiers->Close());
  return served;
}

struct TokenArgs {
  std::string volume;
  bool read_only = false;
  std::string note;
  int64_t id = 0;
};

Status TokenCreate(fs::Session& ctx, const TokenArgs& args) {
  RETURN_IF_ERROR(ctx.Open());
  if (!args.volume.empty()) RETURN_IF_ERROR(ctx.meta().GetVolume(args.volume).status());
  ASSIGN_OR_RETURN(std::string secret,
                   server::CreateToken(ctx.meta(), args.volume, args.read_only, args.note));
  fmt::print("{}\n", secret);
  fmt::print(stderr, "token: {} {}; shown once, only its hash is kept\n",
             args.volume.empty() ? "every volume" : "volume " + args.volume,
             args.read_only ? "read-only" : "read-write");
  return Status::OK();
}

Status TokenList(fs::Session& ctx) {
  RETURN_IF_ERROR(ctx.Open());
  ASSIGN_OR_RETURN(std::vector<meta::TokenInfo> tokens, ctx.meta().ListTokens());
  fmt::print("{:>5}  {:<20} {:<10} {:<19}  {}\n", "ID", "VOLUME", "ACCESS", "CREATED", "NOTE");
  for (const meta::TokenInfo& t : tokens) {
    fmt::print("{:>5}  {:<20} {:<10} {:<19}  {}\n", t.id, t.volume.empty() ? "*" : t.volume,
               t.read_only ? "read-only" : "read-write", FormatTime(t.created_ns), t.note);
  }
  return Status::OK();
}

struct KvArgs {
  std::string store, key, value, ttl, after;
  bool from_stdin = false;
  size_t limit = 1000;
};

Status KvSet(fs::Session& ctx, const KvArgs& args) {
  RETURN_IF_ERROR(ctx.Open());
  std::string value = args.value;
  if (args.from_stdin) {
    value.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  if (value.size() > (25ULL << 20)) {
    return Status::InvalidArgument(
        fmt::format("a value is at most 25 MiB (got {} bytes)", value.size()));
  }
  int64_t expires_ns = 0;
  if (!args.ttl.empty()) {
    ASSIGN_OR_RETURN(expires_ns, meta::KvExpiry(args.ttl, NowNanos()));
  }
  return ctx.meta().KvSet(args.store, args.key, value, expires_ns);
}

Status KvGet(fs::Session& ctx, const KvArgs& args) {
  RETURN_IF_ERROR(ctx.Open());
  ASSIGN_OR_RETURN(meta::KvEntry entry, ctx.meta().KvGet(args.store, args.key));
  std::fwrite(entry.value.data(), 1, entry.value.size(), stdout);
  if (::isatty(STDOUT_FILENO) && !entry.value.ends_with('\n')) std::fputc('\n', stdout);
  return Status::OK();
}

Status KvList(fs::Session& ctx, const KvArgs& args) {
  RETURN_IF_ERROR(ctx.Open());
  ASSIGN_OR_RETURN(std::vector<meta::KvEntry> keys,
                   ctx.meta().KvList(args.store, args.after, args.limit));
  int64_t now = NowNanos();
  for (const meta::KvEntry& e : keys) {
    fmt::print("{}\t{}\t{}\n", e.key, e.value_bytes,
               e.expires_ns == 0 ? "-" : "expires in " + FormatDuration(e.expires_ns - now));
  }
  return Status::OK();
}

}  // namespace

void AddServerCommands(CLI::App& app, fs::Session& ctx, Action& action) {
  auto options = std::make_shared<server::ServerOptions>();
  CLI::App* serve = app.add_subcommand(
      "serve", "Serve the volumes, their files and the KV stores over HTTP (docs/api.md)");
  serve->add_option("--listen", options->listen,
                    "HOST:PORT (default 127.0.0.1:8080, loopback only; 0.0.0.0:8080 for every "
                    "interface)");
  serve->add_option("--threads", options->threads, "Requests served at once (default 64)");
  auto upload_ttl = std::make_shared<std::string>("24h");
  serve->add_option("--upload-ttl", *upload_ttl,
                    "How long an unfinished resumable upload is kept (default 24h); gc then "
                    "reclaims its parts");
  serve->add_flag("--allow-private-fetch", options->allow_private_fetch,
                  "Let uploads from a URL (POST …/fetch) reach loopback, private, link-local and "
                  "multicast addresses (refused by default: the URL is the caller's, the network "
                  "is this server's)");
  auto fetch_timeout = std::make_shared<std::string>("6h");
  serve->add_option("--fetch-timeout", *fetch_timeout,
                    "The longest an upload from a URL may take (default 6h)");
  auto fetch_max = std::make_shared<std::string>("256G");
  serve->add_option("--fetch-max-size", *fetch_max,
                    "The largest file an upload from a URL may bring (default 256G)");
  serve->footer(
      "Every request but /healthz needs `Authorization: Bearer TOKEN` (strata token create).\n"
      "Uploads stream into chunks as they arrive; downloads honour Range and If-None-Match.\n"
      "The memory cache (--memory-cache-size) defaults to an eighth of this machine's memory.");
  serve->callback([&ctx, &action, options, upload_ttl, fetch_timeout, fetch_max] {
    action = [&ctx, options, upload_ttl, fetch_timeout, fetch_max]() -> Status {
      ASSIGN_OR_RETURN(options->upload_ttl_ns, ParseDuration(*upload_ttl));
      if (options->upload_ttl_ns <= 0) return Status::InvalidArgument("--upload-ttl must be > 0");
      ASSIGN_OR_RETURN(options->fetch_timeout_ns, ParseDuration(*fetch_timeout));
      if (options->fetch_timeout_ns <= 0) {
        return Status::InvalidArgument("--fetch-timeout must be > 0");
      }
      ASSIGN_OR_RETURN(options->max_fetch_bytes, ParseByteSize(*fetch_max));
      return Serve(ctx, *options);
    };
  });

  CLI::App* token = app.add_subcommand("token", "API tokens of `strata serve`");
  token->require_subcommand(1);
  auto targs = std::make_shared<TokenArgs>();
  CLI::App* create = token->add_subcommand("create", "Make a token and print it (once)");
  create->add_option("--volume", targs->volume,
                     "The one volume (and KV store) it may use; without it, all of them and "
                     "creating/deleting volumes");
  create->add_flag("--read-only", targs->read_only, "Reads only");
  create->add_option("--note", targs->note, "What it is for, shown by `token list`");
  create->callback(
      [&ctx, &action, targs] { action = [&ctx, targs] { return TokenCreate(ctx, *targs); }; });
  CLI::App* list = token->add_subcommand("list", "The tokens (never their secrets)");
  list->callback([&ctx, &action] { action = [&ctx] { return TokenList(ctx); }; });
  CLI::App* revoke =
      token->add_subcommand("revoke", "Revoke a token by its ID; it stops working at once");
  revoke->add_option("ID", targs->id, "From `token list`")->required();
  revoke->callback([&ctx, &action, targs] {
    action = [&ctx, targs]() -> Status {
      RETURN_IF_ERROR(ctx.Open());
      RETURN_IF_ERROR(ctx.meta().RevokeToken(targs->id));
      fmt::print("token {} revoked\n", targs->id);
      return Status::OK();
    };
  });

  CLI::App* kv = app.add_subcommand(
      "kv", "Small values by key (≤ 25 MiB each), in named stores kept with the metadata");
  kv->require_subcommand(1);
  auto kargs = std::make_shared<KvArgs>();
  CLI::App* set = kv->add_subcommand("set", "Set KEY to VALUE (or to standard input with -)");
  set->add_option("STORE", kargs->store)->required();
  set->add_option("KEY", kargs->key)->required();
  set->add_option("VALUE", kargs->value, "The value; - reads standard input")->required();
  set->add_option("--ttl", kargs->ttl, "Expire after this long: 90s, 15m, 1h, 2d");
  set->callback([&ctx, &action, kargs] {
    kargs->from_stdin = kargs->value == "-";
    action = [&ctx, kargs] { return KvSet(ctx, *kargs); };
  });
  CLI::App* get = kv->add_subcommand("get", "Print KEY's value");
  get->add_option("STORE", kargs->store)->required();
  get->add_option("KEY", kargs->key)->required();
  get->callback([&ctx, &action, kargs] { action = [&ctx, kargs] { return KvGet(ctx, *kargs); }; });
  CLI::App* del = kv->add_subcommand("delete", "Delete KEY");
  del->add_option("STORE", kargs->store)->required();
  del->add_option("KEY", kargs->key)->required();
  del->callback([&ctx, &action, kargs] {
    action = [&ctx, kargs]() -> Status {
      RETURN_IF_ERROR(ctx.Open());
      return ctx.meta().KvDelete(kargs->store, kargs->key);
    };
  });
  CLI::App* ls = kv->add_subcommand("list", "Keys, sizes and expiries, in byte order");
  ls->add_option("STORE", kargs->store)->required();
  ls->add_option("--after", kargs->after, "Start after this key");
  ls->add_option("--limit", kargs->limit, "At most this many (default 1000)");
  ls->callback([&ctx, &action, kargs] { action = [&ctx, kargs] { return KvList(ctx, *kargs); }; });
}

}  // namespace strata::cli
