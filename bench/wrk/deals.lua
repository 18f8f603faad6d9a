-- Won deals: POST /api/deals with a varying seller, amount and customer.
-- wrk ... -s deals.lua <url> -- <token> <file of member ids, one a line>
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "report.lua")

local token, sellers, n

function init(args)
  token = args[1]
  sellers = read_lines(args[2])
  n = thread_id or 0
end

function request()
  n = n + 7
  local seller = sellers[(n % #sellers) + 1]
  local body = string.format(
    '{"seller_id":%s,"outcome":"won","amount":%d,"customer":"Customer %d"}',
    seller, 1000 + (n * 137) % 90000, n % 997)
  return wrk.format("POST", "/api/deals",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end
