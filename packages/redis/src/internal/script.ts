/**
 * The budget arithmetic of `@effect-openai/core`'s `internal/budget.ts`, in Lua, run atomically by Redis on Redis's
 * own clock (`TIME`), so every process shares one budget and their clocks never disagree. One hash per key: the
 * level, time and learned limit of each bucket (`r`equests, `t`okens) and the time nobody is served before (`p`).
 * A key untouched for ten minutes expires (its buckets would be full again; learned limits are learned again).
 *
 * @internal
 */
import { createHash } from "node:crypto"

/** @internal */
export const script = `
local key = KEYS[1]
local op = ARGV[1]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local window = 60000
local function num(v)
  if v == false or v == nil or v == '' then return nil end
  return tonumber(v)
end
local h = redis.call('HMGET', key, 'rl', 'ra', 'rn', 'tl', 'ta', 'tn', 'p')
local r = { level = num(h[1]), at = num(h[2]) or now, learned = num(h[3]) }
local t = { level = num(h[4]), at = num(h[5]) or now, learned = num(h[6]) }
local paused = num(h[7]) or 0
local function refill(b, limit)
  if b.level == nil then
    b.level = limit
  else
    b.level = math.min(limit, b.level + math.max(0, now - b.at) * limit / window)
  end
  b.at = math.max(b.at, now)
end
local function text(v)
  if v == nil then return '' end
  return string.format('%.17g', v)
end
local function save()
  redis.call('HSET', key, 'rl', text(r.level), 'ra', text(r.at), 'rn', text(r.learned),
    'tl', text(t.level), 'ta', text(t.at), 'tn', text(t.learned), 'p', text(paused))
  redis.call('PEXPIRE', key, 600000)
end
local function limit(configured, b)
  return num(configured) or b.learned
end
local function limited(l)
  return l ~= nil and l > 0
end

if op == 'reserve' then
  local costR, costT = tonumber(ARGV[2]), tonumber(ARGV[3])
  local limR, limT = limit(ARGV[4], r), limit(ARGV[5], t)
  local margin = num(ARGV[6]) or 0
  if limR ~= nil and costR > limR then return { 'toolarge', 'requests', text(limR), text(costR) } end
  if limT ~= nil and costT > limT then return { 'toolarge', 'tokens', text(limT), text(costT) } end
  local wait = math.max(0, paused - now)
  if limited(limR) then
    refill(r, limR)
    if costR > 0 and r.level >= limR then r.at = now + margin end
    r.level = r.level - costR
    if r.level < 0 then wait = math.max(wait, math.ceil(math.max(0, r.at - now) + -r.level * window / limR)) end
  end
  if limited(limT) then
    refill(t, limT)
    if costT > 0 and t.level >= limT then t.at = now + margin end
    t.level = t.level - costT
    if t.level < 0 then wait = math.max(wait, math.ceil(math.max(0, t.at - now) + -t.level * window / limT)) end
  end
  save()
  return { 'granted', text(wait) }
elseif op == 'adjust' then
  local dR, dT = tonumber(ARGV[2]), tonumber(ARGV[3])
  local limR, limT = limit(ARGV[4], r), limit(ARGV[5], t)
  if limited(limR) and dR ~= 0 then refill(r, limR); r.level = math.min(limR, r.level + dR) end
  if limited(limT) and dT ~= 0 then refill(t, limT); t.level = math.min(limT, t.level + dT) end
  save()
  return { 'ok' }
elseif op == 'observe' then
  local seenLimR, seenLimT = num(ARGV[2]), num(ARGV[3])
  local remR, remT, retry = num(ARGV[4]), num(ARGV[5]), num(ARGV[6])
  local refund = num(ARGV[9])
  local limR, limT = limit(ARGV[7], r), limit(ARGV[8], t)
  if refund ~= nil and refund ~= 0 and limited(limT) then refill(t, limT); t.level = math.min(limT, t.level + refund) end
  if seenLimR ~= nil and seenLimR > 0 then r.learned = seenLimR end
  if seenLimT ~= nil and seenLimT > 0 then t.learned = seenLimT end
  limR, limT = limit(ARGV[7], r), limit(ARGV[8], t)
  if limited(limR) and remR ~= nil then refill(r, limR); r.level = math.min(r.level, remR) end
  if limited(limT) and remT ~= nil then refill(t, limT); t.level = math.min(t.level, remT) end
  if retry ~= nil and retry > 0 then paused = math.max(paused, now + retry) end
  save()
  return { 'ok' }
end
return redis.error_reply('effect-openai budget: unknown operation ' .. tostring(op))
`

/** The script's SHA-1, for `EVALSHA`. @internal */
export const sha1 = createHash("sha1").update(script).digest("hex")
