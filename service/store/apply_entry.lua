-- Apply one ledger entry to every board it touches, atomically, in seq order.
--
-- KEYS[1]  the applied-seq counter       KEYS[2]  the capped entry stream
-- KEYS[3..] the sorted sets to change
-- ARGV[1]  seq of this entry             ARGV[2]  the entry as JSON (for live boards)
-- ARGV[3]  pub/sub channel               ARGV[4]  stream length to keep
-- ARGV[5]  "1" to publish and keep in the stream, "0" when replaying history
-- ARGV[6..] triples: index into KEYS, sorted-set member, increment (hundredths of points)
--
-- Returns 1 when applied, 0 when this seq was applied already (another instance or an
-- earlier try did it), -1 when an earlier seq is still missing (the caller catches up
-- from the ledger first). Redis does not roll a script back, so everything that can
-- fail runs before the first write.
local seq = tonumber(ARGV[1])
local applied = tonumber(redis.call('GET', KEYS[1]) or '0')
if seq <= applied then
  return 0
end
if seq ~= applied + 1 then
  return -1
end
if ARGV[5] == '1' then
  redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[4], seq .. '-0', 'entry', ARGV[2])
end
for i = 6, #ARGV, 3 do
  redis.call('ZINCRBY', KEYS[tonumber(ARGV[i])], ARGV[i + 2], ARGV[i + 1])
end
redis.call('SET', KEYS[1], seq)
if ARGV[5] == '1' then
  redis.call('PUBLISH', ARGV[3], ARGV[2])
end
return 1
