-- A miltertest script (OpenDKIM's MTA-side test client, Debian package miltertest) for the hosted stamper, written as
-- for any libmilter milter: it passes against a pymilter milter with the same behaviour too.
--   dotnet run --project samples/HostedStamper -- --Milter:Listen:0 inet:8890@127.0.0.1 &
--   miltertest -D socket=inet:8890@127.0.0.1 -s samples/HostedStamper/miltertest.lua

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

-- It only adds a header at end of message: it asks for nothing else, and every step before is switched off.
check(mt.test_action(conn, SMFIF_ADDHDRS), "SMFIF_ADDHDRS not requested")
for name, action in pairs({ CHGHDRS = SMFIF_CHGHDRS, CHGBODY = SMFIF_CHGBODY, ADDRCPT = SMFIF_ADDRCPT, DELRCPT = SMFIF_DELRCPT,
                            QUARANTINE = SMFIF_QUARANTINE, CHGFROM = SMFIF_CHGFROM, SETSYMLIST = SMFIF_SETSYMLIST }) do
  check(not mt.test_action(conn, action), "SMFIF_" .. name .. " requested, but never used")
end
for name, step in pairs({ NOCONNECT = SMFIP_NOCONNECT, NOHELO = SMFIP_NOHELO, NOMAIL = SMFIP_NOMAIL, NORCPT = SMFIP_NORCPT,
                          NODATA = SMFIP_NODATA, NOHDRS = SMFIP_NOHDRS, NOEOH = SMFIP_NOEOH, NOBODY = SMFIP_NOBODY,
                          NOUNKNOWN = SMFIP_NOUNKNOWN }) do
  check(mt.test_option(conn, step), "SMFIP_" .. name .. " not negotiated")
end

-- The message is stamped with the UTC time it was checked (.NET's "u" format, 2026-12-01 12:00:00Z) and accepted.
check(mt.eom(conn) == nil, "mt.eom failed")
check(mt.getreply(conn) == SMFIR_ACCEPT, "the message was not accepted")
check(mt.eom_check(conn, MT_HDRADD, "X-Checked-At"), "X-Checked-At not added (ADDHEADER)")
check(not mt.eom_check(conn, MT_HDRCHANGE) and not mt.eom_check(conn, MT_BODYCHANGE), "the message was changed")
local stamp = mt.getheader(conn, "X-Checked-At", 0)
local year, month, day, hour, min, sec = string.match(stamp, "^(%d%d%d%d)%-(%d%d)%-(%d%d) (%d%d):(%d%d):(%d%d)Z$")
check(year ~= nil, "X-Checked-At is not a UTC time: " .. stamp)
-- os.time reads both tables the same way, so their difference is the real one.
local checked = os.time({ year = year, month = month, day = day, hour = hour, min = min, sec = sec, isdst = false })
check(math.abs(os.difftime(os.time(os.date("!*t")), checked)) <= 60, "X-Checked-At is not the time of checking: " .. stamp)

mt.disconnect(conn)
