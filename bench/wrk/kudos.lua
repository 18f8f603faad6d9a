-- Kudos: POST /api/kudos from varying sellers (each with their own token) to other members.
-- wrk ... -s kudos.lua <url> -- <file of "token member_id" lines>
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "report.lua")

local tokens, ids, n

function init(args)
  tokens, ids = {}, {}
  for _, line in ipairs(read_lines(args[1])) do
    local token, id = line:match("(%S+)%s+(%S+)")
    table.insert(tokens, token)
    table.insert(ids, id)
  end
  n = thread_id or 0
end

function request()
  n = n + 1
  local giver = (n % #tokens) + 1
  -- any other member: skip 1 .. #ids-1 places ahead, never the giver
  local to = ((giver - 1 + 1 + (n * 31) % (#ids - 1)) % #ids) + 1
  local body = string.format('{"to_member_id":%s,"points":1,"message":"Thanks for %d"}', ids[to], n)
  return wrk.format("POST", "/api/kudos",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. tokens[giver]}, body)
end
