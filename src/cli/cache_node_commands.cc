// strata cache-node: serve this node's chunk cache to its peers; strata cache-node status.
#include <cstdlib>
#include <memory>
#include <string>

#include <fmt/core.h>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/until_signal.h"
#include "core/byte_size.h"
#include "core/clock.h"
#include "load/json.h"
#include "load/json_writer.h"
#include "net/http_client.h"
#include "peer/cache_node.h"
#include "peer/peer_protocol.h"

namespace strata::cli {
namespace {

struct NodeArgs {
  std::string listen = "127.0.0.1:7070";
};

std::string SecretFile(fs::Session& ctx) {
  if (!ctx.options().secret_file.empty()) return ctx.options().secret_file;
  const char* env = std::getenv("STRATA_SECRET_FILE");
  return env ? env : "";
}

std::string StatusJson(const peer::CacheNode& node, cache::Tiers& tiers,
                       const std::string& listen) {
  const peer::CacheNodeCounters& c = node.counters();
  load::JsonWriter json;
  json.BeginObject().Field("listen", listen).Field("requests", c.requests.load());
  json.Field("served_chunks", c.served_chunks.load()).Field("served_bytes", c.served_bytes.load());
  json.Field("refused", c.refused.load()).Field("not_found", c.not_found.load());
  json.Field("errors", c.errors.load()).Key("tiers").BeginArray();
  for (const cache::TierStats& t : tiers.Stats()) {
    json.BeginObject().Field("tier", t.tier).Field("hits", t.hits).Field("misses", t.misses);
    json.Field("hit_bytes", t.hit_bytes).Field("fetched_bytes", t.fetched_bytes);
    json.Field("errors", t.errors).Field("held_bytes", t.held_bytes).EndObject();
  }
  return json.EndArray().EndObject().Take() + "\n";
}

Status Serve(fs::Session& ctx, const NodeArgs& args) {
  BlockStopSignals();  // before the tiers start their threads

  std::string secret_file = SecretFile(ctx);
  if (secret_file.empty()) {
    return Status::InvalidArgument("cache-node needs --secret-file (env STRATA_SECRET_FILE)");
  }
  ASSIGN_OR_RETURN(std::string secret, peer::ReadSecretFile(secret_file));
  ctx.DisablePeerTier();  // a node serves from its own caches and the store
  ASSIGN_OR_RETURN(cache::Tiers * tiers, ctx.tiers());
  if (!tiers->disk()) {
    return Status::InvalidArgument("cache-node needs a cache directory (--cache-dir)");
  }
  peer::CacheNodeOptions options;
  options.listen = args.listen;
  options.secret = secret;
  ASSIGN_OR_RETURN(auto node, peer::CacheNode::Bind(tiers->top(), std::move(options)));
  fmt::print("cache-node: serving {} ({} bound) on port {}\n", tiers->disk()->dir(),
             FormatBytes(ctx.remote_cache_options().disk_bytes), node->port());
  std::fflush(stdout);
  Status served = ServeUntilSignal(
      [&] { return node->Serve([&] { return StatusJson(*node, *tiers, args.listen); }); },
      [&] { node->Stop(); });
  RETURN_IF_ERROR(tiers->Close());
  return served;
}

int64_t Field(const load::JsonValue& json, std::string_view name) {
  const load::JsonValue* v = json.Find(name);
  return v && v->is_integer() ? v->integer() : 0;
}

Status ShowStatus(fs::Session& ctx, bool as_json) {
  RETURN_IF_ERROR(ctx.Open());
  const peer::PeerOptions& peers = ctx.peer_options();
  if (peers.peers.empty()) {
    return Status::InvalidArgument("cache-node status needs --peers (env STRATA_PEERS)");
  }
  net::HttpClientOptions http_options;
  http_options.max_connections = 8;
  http_options.max_attempts = 1;
  http_options.connect_timeout_ms = 1000;
  http_options.timeout_ms = 3000;
  net::HttpClient http(http_options);
  if (!as_json) {
    fmt::print("{:<22} {:>6} {:>10} {:>10} {:>12} {:>8} {:>9}\n", "peer", "state", "requests",
               "served", "from store", "hit rate", "refused");
  }
  for (const std::string& peer : peers.peers) {
    auto headers = peer::SignRequest(peers.secret, "/v1/status", NowNanos() / 1000000000);
    Result<net::HttpResponse> got =
        http.Get(fmt::format("http://{}/v1/status", peer), 1 << 20, headers);
    Result<load::JsonValue> json = Status::Unavailable("");
    if (got.ok() && got->status == 200) json = load::ParseJson(got->body);
    if (as_json) {
      load::JsonWriter line;
      line.BeginObject().Field("peer", peer);
      line.Field("state", json.ok() ? "up" : !got.ok() ? "down" : "refused").Key("status");
      if (json.ok()) {
        line.Raw(got->body.substr(0, got->body.find_last_not_of('\n') + 1));
      } else {
        line.Null();
      }
      fmt::print("{}\n", line.EndObject().Take());
      continue;
    }
    if (!json.ok()) {
      std::string why = !got.ok() ? "down" : got->status == 401 ? "refused" : "error";
      fmt::print("{:<22} {:>6}\n", peer, why);
      continue;
    }
    uint64_t hits = 0, lookups = 0, from_store = 0;
    if (const load::JsonValue* tiers = json->Find("tiers"); tiers && tiers->is_array()) {
      for (const load::JsonValue& t : tiers->items()) {
        const load::JsonValue* name = t.Find("tier");
        std::string tier = name && name->is_string() ? name->str() : "";
        if (tier == "store") from_store = static_cast<uint64_t>(Field(t, "fetched_bytes"));
        if (tier == "memory") {
          hits += static_cast<uint64_t>(Field(t, "hits"));
          lookups += static_cast<uint64_t>(Field(t, "hits") + Field(t, "misses"));
        }
        if (tier == "disk") hits += static_cast<uint64_t>(Field(t, "hits"));
      }
    }
    fmt::print(
        "{:<22} {:>6} {:>10} {:>10} {:>12} {:>7.1f}% {:>9}\n", peer, "up", Field(*json, "requests"),
        FormatBytes(static_cast<uint64_t>(Field(*json, "served_bytes"))), FormatBytes(from_store),
        lookups ? 100.0 * static_cast<double>(hits) / static_cast<double>(lookups) : 0.0,
        Field(*json, "refused"));
  }
  return Status::OK();
}

}  // namespace

void AddCacheNodeCommands(CLI::App& app, fs::Session& ctx, Action& action) {
  auto args = std::make_shared<NodeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "cache-node",
      "Serve this node's chunk cache to the other nodes of a datacenter (or, with `status`, "
      "show the cache nodes)");
  cmd->add_option("--listen", args->listen,
                  "HOST:PORT to serve on (default 127.0.0.1:7070; 0.0.0.0:7070 for every "
                  "interface)");
  cmd->footer(
      "Every node runs one, with the same --peers list and --secret-file; clients (mount, get,\n"
      "prefetch, Python) given --peers ask each chunk's owner among them (rendezvous hashing)\n"
      "before the object store, so a chunk leaves the store once per datacenter. Requests are\n"
      "signed with the shared secret (HMAC-SHA256); others are refused. Chunks are checked\n"
      "against their hash by the client, so a wrong peer can never corrupt a read.");
  CLI::App* status = cmd->add_subcommand("status",
                                         "Each peer: up or down, requests, bytes "
                                         "served and fetched from the store, hit rate");
  auto as_json = std::make_shared<bool>(false);
  status->add_flag("--json", *as_json, "One JSON object per peer, with all its counters");
  cmd->callback([&ctx, &action, args, status, as_json] {
    if (status->parsed()) {
      action = [&ctx, as_json] { return ShowStatus(ctx, *as_json); };
    } else {
      action = [&ctx, args] { return Serve(ctx, *args); };
    }
  });
}

}  // namespace strata::cli
