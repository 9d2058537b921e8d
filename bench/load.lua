-- wrk script of bench/load.sh: one request type per wrk thread, so every response is known to
-- answer its type's request (wrk cannot tell which of a thread's connections a response came
-- from). Run with exactly as many threads as there are types (`-t 5`).
--
-- Environment: MEMBER_COOKIE and ADMIN_COOKIE, the `id=...` cookies of a logged-in member and
-- admin.
--
-- done() prints one line per type, `type <name> <path> expect <status> got <status>=<count>...
-- unexpected <n>`, then `unexpected_total <n>` and `socket_errors <n>`, which load.sh checks.

local member = os.getenv("MEMBER_COOKIE") or ""
local admin = os.getenv("ADMIN_COOKIE") or ""

-- name, path, cookie, expected status, and what the response must hold: a body marker, or for a
-- redirect the Location.
local kinds = {
    { name = "pass_profile", path = "/profile", cookie = member, status = 200, body = "<title>Profile</title>" },
    { name = "pass_admin", path = "/admin", cookie = admin, status = 200, body = "<title>Admin</title>" },
    { name = "pass_api", path = "/api/status", cookie = member, status = 200, body = '"status":"ok"' },
    { name = "fail_api_401", path = "/api/status", cookie = nil, status = 401, body = '"error":"Unauthorized"' },
    { name = "redirect_profile_302", path = "/profile", cookie = nil, status = 302, location = "/login?next=%2Fprofile" },
}

local threads = {}
local next_kind = 1

-- Main Lua state: give each thread its type.
function setup(thread)
    thread:set("kind_index", next_kind)
    next_kind = next_kind + 1
    table.insert(threads, thread)
end

-- Thread Lua state from here to response().
local kind
local prepared
counts = {}
unexpected = 0

function init(args)
    kind = kinds[kind_index]
    local headers = {}
    if kind.cookie then
        headers["Cookie"] = kind.cookie
    end
    prepared = wrk.format("GET", kind.path, headers)
end

function request()
    return prepared
end

function response(status, headers, body)
    counts[status] = (counts[status] or 0) + 1
    local ok = status == kind.status
    if ok and kind.location then
        ok = (headers["location"] or headers["Location"]) == kind.location
    end
    if ok and kind.body then
        ok = body ~= nil and string.find(body, kind.body, 1, true) ~= nil
    end
    if not ok then
        unexpected = unexpected + 1
    end
end

-- Main Lua state again: gather each thread's counts.
function done(summary, latency, requests)
    local total_unexpected = 0
    for _, thread in ipairs(threads) do
        local k = kinds[thread:get("kind_index")]
        local got = thread:get("counts") or {}
        local n = thread:get("unexpected") or 0
        local line = string.format("type %-20s %-12s expect %d got", k.name, k.path, k.status)
        local statuses = {}
        for status in pairs(got) do
            table.insert(statuses, status)
        end
        table.sort(statuses)
        for _, status in ipairs(statuses) do
            line = line .. string.format(" %d=%d", status, got[status])
        end
        print(line .. string.format(" unexpected %d", n))
        total_unexpected = total_unexpected + n
    end
    local e = summary.errors
    print(string.format("unexpected_total %d", total_unexpected))
    print(string.format("socket_errors %d (connect %d, read %d, write %d, timeout %d)",
        e.connect + e.read + e.write + e.timeout, e.connect, e.read, e.write, e.timeout))
    print(string.format("requests_total %d", summary.requests))
    print(string.format("rps %.0f", summary.requests / (summary.duration / 1e6)))
    print(string.format("latency_p50_ms %.3f", latency:percentile(50) / 1000))
    print(string.format("latency_p99_ms %.3f", latency:percentile(99) / 1000))
end
