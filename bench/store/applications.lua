-- wrk script: POSTs distinct, valid applications (a fresh submission_id per request) so
-- every request is stored, not replayed. Used by bench/store/run.sh.
local counter = 0
local run = tostring(os.time())

function setup(thread)
  thread:set("tid", tostring(math.random(1, 1000000000)))
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"name":"ベンチ 花子","email":"bench@example.jp","age_band":"30s","industry":"it",' ..
    '"company_size":"sme","job_function":"engineering","situations":["raising_children"],' ..
    '"topics":["leadership","confidence"],"preferences":["same_industry","sme"],' ..
    '"plan":"standard","applicant_type":"individual","consent":true,' ..
    '"submission_id":"wrk-%s-%s-%d"}', run, tid, counter)
  return wrk.format("POST", "/api/applications", {["Content-Type"] = "application/json"}, body)
end

local statuses = {}
function response(status)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  io.write(string.format("p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
