-- A miltertest script (OpenDKIM's MTA-side test client, Debian package miltertest) for the observed milter's recipient
-- limit with the sample's appsettings.json (50), written as for any libmilter milter: it passes against a pymilter
-- milter with the same behaviour too.
--   dotnet run --project samples/ObservedMilter &
--   miltertest -D socket=inet:8894@127.0.0.1 -s samples/ObservedMilter/miltertest.lua

-- miltertest does not print why a script failed: say it on stderr, then fail.
local function check(ok, message)
  if not ok then
    io.stderr:write("FAILED: " .. message .. "\n")
    error(message)
  end
end

local conn = mt.connect(socket, 40, 0.25)
check(conn ~= nil, "cannot connect to " .. tostring(socket))
check(mt.negotiate(conn, nil, nil, nil) == nil, "negotiation failed")

-- It decides per recipient, with a reply, and may add one header at end of message; every other step is off.
check(mt.test_action(conn, SMFIF_ADDHDRS), "SMFIF_ADDHDRS not requested")
for name, action in pairs({ CHGHDRS = SMFIF_CHGHDRS, CHGBODY = SMFIF_CHGBODY, ADDRCPT = SMFIF_ADDRCPT, DELRCPT = SMFIF_DELRCPT,
                            QUARANTINE = SMFIF_QUARANTINE, CHGFROM = SMFIF_CHGFROM, SETSYMLIST = SMFIF_SETSYMLIST }) do
  check(not mt.test_action(conn, action), "SMFIF_" .. name .. " requested, but never used")
end
check(not mt.test_option(conn, SMFIP_NORCPT), "the recipient step is switched off")
check(not mt.test_option(conn, SMFIP_NR_RCPT), "the recipient step is no-reply")
for name, step in pairs({ NOCONNECT = SMFIP_NOCONNECT, NOHELO = SMFIP_NOHELO, NOMAIL = SMFIP_NOMAIL, NODATA = SMFIP_NODATA,
                          NOHDRS = SMFIP_NOHDRS, NOEOH = SMFIP_NOEOH, NOBODY = SMFIP_NOBODY, NOUNKNOWN = SMFIP_NOUNKNOWN }) do
  check(mt.test_option(conn, step), "SMFIP_" .. name .. " not negotiated")
end

local function recipients(count, what)
  for i = 1, count do
    check(mt.rcptto(conn, "<rcpt" .. i .. "@example.net>") == nil, "mt.rcptto failed")
    check(mt.getreply(conn) == SMFIR_CONTINUE, what .. ": recipient " .. i .. " not accepted")
  end
end

-- 50 recipients pass; the 51st is deferred with the milter's own reply (452 4.5.3, SMFIR_REPLYCODE).
recipients(50, "first message")
check(mt.rcptto(conn, "<one-too-many@example.net>") == nil, "mt.rcptto failed")
check(mt.getreply(conn) == SMFIR_REPLYCODE, "the 51st recipient was not refused with a reply")

-- The message is accepted; nothing is changed but, when its trace is recorded, X-Milter-Trace-Id (32 hex digits).
check(mt.eom(conn) == nil, "mt.eom failed")
check(mt.getreply(conn) == SMFIR_ACCEPT, "the message was not accepted")
check(not mt.eom_check(conn, MT_HDRCHANGE) and not mt.eom_check(conn, MT_BODYCHANGE), "the message was changed")
if mt.eom_check(conn, MT_HDRADD) then
  local trace = mt.getheader(conn, "X-Milter-Trace-Id", 0)
  check(trace ~= nil and string.match(trace, "^%x+$") ~= nil and #trace == 32, "X-Milter-Trace-Id is not a trace id: " .. tostring(trace))
end

-- The count starts afresh for the next message, and after an abort.
recipients(50, "second message")
check(mt.abort(conn) == nil, "mt.abort failed")
recipients(50, "after an abort")

mt.disconnect(conn)
