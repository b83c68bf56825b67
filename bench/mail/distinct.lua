-- wrk script: POSTs distinct, valid applications, each from its own address (so no receipt
-- is held back by the one-per-address cap). Used by bench/mail/run.sh to fill the outbox.
local counter = 0
local run = tostring(os.time())

function setup(thread)
  thread:set("tid", tostring(math.random(1, 1000000000)))
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"name":"ベンチ 花子","email":"bench-%s-%s-%d@example.jp","age_band":"30s","industry":"it",' ..
    '"company_size":"sme","topics":["leadership","confidence"],"plan":"standard",' ..
    '"applicant_type":"individual","consent":true,"submission_id":"mail-%s-%s-%d"}',
    run, tid, counter, run, tid, counter)
  return wrk.format("POST", "/api/applications", {["Content-Type"] = "application/json"}, body)
end
