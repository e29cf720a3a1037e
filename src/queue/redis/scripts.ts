/**
 * The queue's operations as Lua scripts, each atomic and one round trip. Every script gets
 * KEYS[1] = the leases zset and KEYS[2] = the topics set (declared so a cluster routes the
 * call to the queue's slot) and ARGV[1] = the key base; item and topic keys are built from the
 * base (see keys.ts). Times and tokens come from the caller as strings: Lua has no good
 * randomness, and passing times through Lua numbers would format them with 14 digits.
 *
 * Replies never put nil in a table (Lua would cut the table there): missing fields read as
 * false and are tested before use.
 */

const LEASE_FIELDS = `'lease_owner', 'lease_token', 'lease_expires_at'`;

/** ARGV: base, now, then per item: id, topic, payload, attempts, max_attempts, available_at. → {added, existing} */
const enqueue = `
local base, now = ARGV[1], ARGV[2]
local added, existing = 0, 0
local seen = {}
for i = 3, #ARGV, 6 do
  local id, topic = ARGV[i], ARGV[i + 1]
  local key = base .. 'item:' .. id
  if redis.call('EXISTS', key) == 1 then
    existing = existing + 1
  else
    redis.call('HSET', key, 'topic', topic, 'payload', ARGV[i + 2], 'attempts', ARGV[i + 3],
      'max_attempts', ARGV[i + 4], 'enqueued_at', now, 'available_at', ARGV[i + 5], 'state', 'ready')
    redis.call('ZADD', base .. 'ready:' .. topic, ARGV[i + 5], id)
    if not seen[topic] then
      redis.call('SADD', KEYS[2], topic)
      seen[topic] = true
    end
    added = added + 1
  end
end
return {added, existing}
`;

/**
 * ARGV: base, topic, owner, now, lease_expires_at, max, then one token per possible item.
 * → flat {id, payload, attempts, max_attempts, token, enqueued_at} per leased item.
 */
const claim = `
local base, topic, owner, now, expires = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local readyKey = base .. 'ready:' .. topic
local leasedKey = base .. 'leased:' .. topic
local ids = redis.call('ZRANGEBYSCORE', readyKey, '-inf', now, 'LIMIT', 0, tonumber(ARGV[6]))
if #ids == 0 then return {} end
local out = {}
for i, id in ipairs(ids) do
  local key = base .. 'item:' .. id
  local f = redis.call('HMGET', key, 'payload', 'attempts', 'max_attempts', 'enqueued_at')
  -- An id without its hash (only possible if someone deleted keys) is dropped from the zset.
  if f[1] then
    local attempts = tonumber(f[2]) + 1
    local token = ARGV[6 + i]
    redis.call('HSET', key, 'attempts', attempts, 'state', 'leased', 'lease_owner', owner,
      'lease_token', token, 'lease_expires_at', expires)
    redis.call('ZADD', KEYS[1], expires, id)
    redis.call('SADD', leasedKey, id)
    out[#out + 1] = id
    out[#out + 1] = f[1]
    out[#out + 1] = attempts
    out[#out + 1] = f[3]
    out[#out + 1] = token
    out[#out + 1] = f[4]
  end
end
redis.call('ZREM', readyKey, unpack(ids))
return out
`;

/** ARGV: base, id, token, lease_expires_at. → 1 extended, 0 the token no longer holds the item */
const extendLease = `
local key = ARGV[1] .. 'item:' .. ARGV[2]
local f = redis.call('HMGET', key, 'state', 'lease_token')
if f[1] ~= 'leased' or f[2] ~= ARGV[3] then return 0 end
redis.call('HSET', key, 'lease_expires_at', ARGV[4])
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[2])
return 1
`;

/** ARGV: base, id, token. → 1 removed, 0 the token no longer holds the item */
const complete = `
local base, id = ARGV[1], ARGV[2]
local key = base .. 'item:' .. id
local f = redis.call('HMGET', key, 'state', 'lease_token', 'topic')
if f[1] ~= 'leased' or f[2] ~= ARGV[3] then return 0 end
redis.call('DEL', key)
redis.call('ZREM', KEYS[1], id)
redis.call('SREM', base .. 'leased:' .. f[3], id)
return 1
`;

/** ARGV: base, id, token, retry_at ('' for none), now. → {'retrying', available_at} | {'dead'} | {'lost'} */
const fail = `
local base, id, retryAt, now = ARGV[1], ARGV[2], ARGV[4], ARGV[5]
local key = base .. 'item:' .. id
local f = redis.call('HMGET', key, 'state', 'lease_token', 'topic', 'attempts', 'max_attempts')
if f[1] ~= 'leased' or f[2] ~= ARGV[3] then return {'lost'} end
local topic = f[3]
redis.call('ZREM', KEYS[1], id)
redis.call('SREM', base .. 'leased:' .. topic, id)
redis.call('HDEL', key, ${LEASE_FIELDS})
if retryAt ~= '' and tonumber(f[4]) < tonumber(f[5]) then
  redis.call('HSET', key, 'state', 'ready', 'available_at', retryAt)
  redis.call('ZADD', base .. 'ready:' .. topic, retryAt, id)
  return {'retrying', retryAt}
end
redis.call('HSET', key, 'state', 'dead', 'dead_at', now)
redis.call('ZADD', base .. 'dead:' .. topic, now, id)
return {'dead'}
`;

/** ARGV: base, id. → 1 removed, 0 there was none */
const remove = `
local base, id = ARGV[1], ARGV[2]
local key = base .. 'item:' .. id
local f = redis.call('HMGET', key, 'state', 'topic')
if not f[1] then return 0 end
redis.call('DEL', key)
if f[1] == 'ready' then
  redis.call('ZREM', base .. 'ready:' .. f[2], id)
elseif f[1] == 'leased' then
  redis.call('ZREM', KEYS[1], id)
  redis.call('SREM', base .. 'leased:' .. f[2], id)
else
  redis.call('ZREM', base .. 'dead:' .. f[2], id)
end
return 1
`;

/**
 * ARGV: base, now, limit. A lease has ended once its end is before now (as in the database
 * backend), oldest end first, ties by id.
 * → flat {id, topic, owner, token, attempts, outcome} per recovered lease.
 */
const recoverExpired = `
local base, now = ARGV[1], ARGV[2]
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. now, 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  local key = base .. 'item:' .. id
  local f = redis.call('HMGET', key, 'state', 'topic', 'lease_owner', 'lease_token', 'attempts', 'max_attempts')
  if f[1] == 'leased' then
    local topic = f[2]
    redis.call('SREM', base .. 'leased:' .. topic, id)
    redis.call('HDEL', key, ${LEASE_FIELDS})
    local outcome
    if tonumber(f[5]) < tonumber(f[6]) then
      outcome = 'requeued'
      redis.call('HSET', key, 'state', 'ready', 'available_at', now)
      redis.call('ZADD', base .. 'ready:' .. topic, now, id)
    else
      outcome = 'dead'
      redis.call('HSET', key, 'state', 'dead', 'dead_at', now)
      redis.call('ZADD', base .. 'dead:' .. topic, now, id)
    end
    out[#out + 1] = id
    out[#out + 1] = topic
    out[#out + 1] = f[3]
    out[#out + 1] = f[4]
    out[#out + 1] = tonumber(f[5])
    out[#out + 1] = outcome
  end
end
return out
`;

/** ARGV: base, ids… → 1 or 0 per id */
const has = `
local out = {}
for i = 2, #ARGV do
  out[i - 1] = redis.call('EXISTS', ARGV[1] .. 'item:' .. ARGV[i])
end
return out
`;

/**
 * ARGV: base, now. → flat {topic, ready, ready_now, leased, dead, oldest_ready_age_ms} per
 * topic holding anything; topics left empty are dropped from the topics set.
 */
const stats = `
local base, now = ARGV[1], tonumber(ARGV[2])
local out = {}
for _, topic in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local readyKey = base .. 'ready:' .. topic
  local ready = redis.call('ZCARD', readyKey)
  local leased = redis.call('SCARD', base .. 'leased:' .. topic)
  local dead = redis.call('ZCARD', base .. 'dead:' .. topic)
  if ready + leased + dead == 0 then
    redis.call('SREM', KEYS[2], topic)
  else
    local readyNow = redis.call('ZCOUNT', readyKey, '-inf', ARGV[2])
    local age = 0
    if readyNow > 0 then
      age = now - tonumber(redis.call('ZRANGE', readyKey, 0, 0, 'WITHSCORES')[2])
    end
    out[#out + 1] = topic
    out[#out + 1] = ready
    out[#out + 1] = readyNow
    out[#out + 1] = leased
    out[#out + 1] = dead
    out[#out + 1] = age
  end
end
return out
`;

/** ARGV: base, topic, limit. → flat {id, attempts, dead_at} newest first */
const deadLetters = `
local base = ARGV[1]
local entries = redis.call('ZREVRANGE', base .. 'dead:' .. ARGV[2], 0, tonumber(ARGV[3]) - 1, 'WITHSCORES')
local out = {}
for i = 1, #entries, 2 do
  local attempts = redis.call('HGET', base .. 'item:' .. entries[i], 'attempts')
  out[#out + 1] = entries[i]
  out[#out + 1] = tonumber(attempts or '0')
  out[#out + 1] = tonumber(entries[i + 1])
end
return out
`;

export const QUEUE_SCRIPTS = {
  vigilEnqueue: enqueue,
  vigilClaim: claim,
  vigilExtendLease: extendLease,
  vigilComplete: complete,
  vigilFail: fail,
  vigilRemove: remove,
  vigilRecoverExpired: recoverExpired,
  vigilHas: has,
  vigilStats: stats,
  vigilDeadLetters: deadLetters,
} as const;

export type ScriptName = keyof typeof QUEUE_SCRIPTS;

/** Both keys every script declares (see the top of this file). */
export const SCRIPT_KEY_COUNT = 2;
