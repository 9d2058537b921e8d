-- wrk script of bench/two_instances.sh: the request types of bench/load.lua, over one or more
-- instances of the demo. Every wrk thread sends one request type to one instance (wrk cannot
-- tell which of a thread's connections a response came from, nor which host); the threads go
-- round-robin over the instances, then over the types. Run with exactly (types x instances)
-- threads: `-t 5` for one instance, `-t 10` for two.
--
-- Environment: TARGETS, the instances (`127.0.0.1:PORT`, space-separated); MEMBER_COOKIE and
-- ADMIN_COOKIE, the `id=...` cookies of a logged-in member and admin (shared by the instances).
--
-- Each response is classed:
--   ok        the type's status, with its body marker (or, for the redirect, its Location);
--   passed    a 2xx on a type that must fail (401 or 302): a check let through what it must not;
--   refused   a type that must pass answered 302 or 401 (a fail-closed refusal);
--   error5xx  a 5xx;
--   other     anything else (a wrong body, a wrong Location, another status).
-- done() prints one line per thread, `thread <target> <type> <path> expect <status> got
-- <status>=<count>... unexpected <n>`, the classes per second, `bucket <target> <type> <unix
-- second> <class> <count>`, for the fault phase, then `unexpected_total`, `socket_errors`,
-- `requests_total`, `rps`, `latency_p50_ms` and `latency_p99_ms`.

local member = os.getenv("MEMBER_COOKIE") or ""
local admin = os.getenv("ADMIN_COOKIE") or ""

local targets = {}
for target in string.gmatch(os.getenv("TARGETS") or "", "%S+") do
    table.insert(targets, target)
end

-- name, path, cookie, expected status, what the response must hold (a body marker, or for a
-- redirect the Location), and whether the request must be refused.
local kinds = {
    { name = "pass_profile", path = "/profile", cookie = member, status = 200, body = "<title>Profile</title>" },
    { name = "pass_admin", path = "/admin", cookie = admin, status = 200, body = "<title>Admin</title>" },
    { name = "pass_api", path = "/api/status", cookie = member, status = 200, body = '"status":"ok"' },
    { name = "fail_api_401", path = "/api/status", cookie = nil, status = 401, body = '"error":"Unauthorized"', refused = true },
    { name = "redirect_profile_302", path = "/profile", cookie = nil, status = 302, location = "/login?next=%2Fprofile", refused = true },
}

local threads = {}
local next_thread = 0

-- Main Lua state: give each thread its instance and type.
function setup(thread)
    local n = #targets
    local target_index = next_thread % n + 1
    local kind_index = math.floor(next_thread / n) % #kinds + 1
    next_thread = next_thread + 1
    local host, port = string.match(targets[target_index], "^(.*):(%d+)$")
    thread.addr = wrk.lookup(host, port)[1]
    thread:set("target_index", target_index)
    thread:set("kind_index", kind_index)
    table.insert(threads, thread)
end

-- Thread Lua state from here to response().
local kind
local prepared
counts = {}
buckets = {}
unexpected = 0

function init(args)
    kind = kinds[kind_index]
    local headers = { Host = targets[target_index] }
    if kind.cookie then
        headers["Cookie"] = kind.cookie
    end
    prepared = wrk.format("GET", kind.path, headers)
end

function request()
    return prepared
end

local function class_of(status, headers, body)
    if status == kind.status then
        local ok = true
        if kind.location then
            ok = (headers["location"] or headers["Location"]) == kind.location
        end
        if ok and kind.body then
            ok = body ~= nil and string.find(body, kind.body, 1, true) ~= nil
        end
        return ok and "ok" or "other"
    end
    if status >= 500 then
        return "error5xx"
    end
    if kind.refused then
        return (status >= 200 and status < 300) and "passed" or "other"
    end
    if status == 302 or status == 401 then
        return "refused"
    end
    return "other"
end

function response(status, headers, body)
    counts[status] = (counts[status] or 0) + 1
    local class = class_of(status, headers, body)
    if class ~= "ok" then
        unexpected = unexpected + 1
    end
    -- Flat, "<second> <class>": wrk's thread:get crashes on a table of tables.
    local key = os.time() .. " " .. class
    buckets[key] = (buckets[key] or 0) + 1
end

-- Main Lua state again: gather each thread's counts.
function done(summary, latency, requests)
    local total_unexpected = 0
    for _, thread in ipairs(threads) do
        local t = thread:get("target_index")
        local k = kinds[thread:get("kind_index")]
        local got = thread:get("counts") or {}
        local n = thread:get("unexpected") or 0
        local line = string.format("thread %d %-20s %-12s expect %d got", t, k.name, k.path, k.status)
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
        for key, count in pairs(thread:get("buckets") or {}) do
            print(string.format("bucket %d %s %s %d", t, k.name, key, count))
        end
    end
    local e = summary.errors
    print(string.format("unexpected_total %d", total_unexpected))
    print(string.format("socket_errors %d (connect %d, read %d, write %d, timeout %d)",
        e.connect + e.read + e.write + e.timeout, e.connect, e.read, e.write, e.timeout))
    print(string.format("socket_errors_connect %d", e.connect))
    print(string.format("socket_errors_read_write %d", e.read + e.write))
    print(string.format("socket_errors_timeout %d", e.timeout))
    print(string.format("requests_total %d", summary.requests))
    print(string.format("rps %.0f", summary.requests / (summary.duration / 1e6)))
    print(string.format("latency_p50_ms %.3f", latency:percentile(50) / 1000))
    print(string.format("latency_p99_ms %.3f", latency:percentile(99) / 1000))
end
