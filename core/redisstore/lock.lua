-- Takes the lock KEYS[1] for token ARGV[1] for ARGV[2] milliseconds, or
-- extends it if that token holds it already. Returns 1 if the token holds
-- the lock now, 0 if another does.
local holder = redis.call("GET", KEYS[1])
if holder == ARGV[1] then
  redis.call("PEXPIRE", KEYS[1], ARGV[2])
  return 1
end
if not holder then
  redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2])
  return 1
end
return 0
