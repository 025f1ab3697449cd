-- A miltertest script (OpenDKIM's MTA-side test client, Debian package miltertest) for the hand-written milter with
-- its default arguments (it rejects blocked@example.com), written as for any libmilter milter: it passes against a
-- pymilter milter with the same behaviour too.
--   dotnet run --project samples/HandWrittenMilter -- inet:8890@127.0.0.1 &
--   miltertest -D socket=inet:8890@127.0.0.1 -s samples/HandWrittenMilter/miltertest.lua

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

-- It only adds a header, and asks for nothing else.
check(mt.test_action(conn, SMFIF_ADDHDRS), "SMFIF_ADDHDRS not requested")
for name, action in pairs({ CHGHDRS = SMFIF_CHGHDRS, CHGBODY = SMFIF_CHGBODY, ADDRCPT = SMFIF_ADDRCPT, DELRCPT = SMFIF_DELRCPT,
                            QUARANTINE = SMFIF_QUARANTINE, CHGFROM = SMFIF_CHGFROM, SETSYMLIST = SMFIF_SETSYMLIST }) do
  check(not mt.test_action(conn, action), "SMFIF_" .. name .. " requested, but never used")
end

-- It answers each recipient; every other step before end of message is switched off.
check(not mt.test_option(conn, SMFIP_NORCPT), "the recipient step is switched off")
check(not mt.test_option(conn, SMFIP_NR_RCPT), "the recipient step is no-reply")
for name, step in pairs({ NOCONNECT = SMFIP_NOCONNECT, NOHELO = SMFIP_NOHELO, NOMAIL = SMFIP_NOMAIL, NODATA = SMFIP_NODATA,
                          NOHDRS = SMFIP_NOHDRS, NOEOH = SMFIP_NOEOH, NOBODY = SMFIP_NOBODY, NOUNKNOWN = SMFIP_NOUNKNOWN }) do
  check(mt.test_option(conn, step), "SMFIP_" .. name .. " not negotiated")
end

local function rcpt(address, expected, what)
  check(mt.rcptto(conn, address) == nil, "mt.rcptto(" .. address .. ") failed")
  check(mt.getreply(conn) == expected, what .. ": unexpected reply to RCPT " .. address)
end

local function stamped(value)
  check(mt.eom(conn) == nil, "mt.eom failed")
  check(mt.getreply(conn) == SMFIR_ACCEPT, "the message was not accepted")
  check(mt.eom_check(conn, MT_HDRADD, "X-Milter-Stamp", value), "X-Milter-Stamp: " .. value .. " not added (ADDHEADER)")
  check(mt.getheader(conn, "X-Milter-Stamp", 0) == value, "wrong X-Milter-Stamp value")
end

-- blocked@example.com is refused with the milter's own reply (SMFIR_REPLYCODE: 550 5.7.1, two lines), whatever its
-- case; the other recipients go on, and the message is stamped with the number of recipients the milter was shown
-- (the refused one included) and accepted.
rcpt("<rcpt@example.net>", SMFIR_CONTINUE, "an ordinary recipient")
rcpt("<blocked@example.com>", SMFIR_REPLYCODE, "the blocked recipient")
stamped("checked by Milter for .NET, 2 recipient(s)")
check(not mt.eom_check(conn, MT_HDRCHANGE) and not mt.eom_check(conn, MT_BODYCHANGE), "the message was changed")

-- The next message on the same connection is counted afresh.
rcpt("<Blocked@Example.COM>", SMFIR_REPLYCODE, "the blocked recipient in capitals")
rcpt("<a@example.net>", SMFIR_CONTINUE, "an ordinary recipient")
rcpt("<b@example.net>", SMFIR_CONTINUE, "an ordinary recipient")
stamped("checked by Milter for .NET, 3 recipient(s)")

mt.disconnect(conn)
