-- A miltertest script (OpenDKIM's MTA-side test client, Debian package miltertest) for the event logger, written as
-- for any libmilter milter: it passes against a pymilter milter with the same behaviour too.
--   miltertest -D socket=inet:8893@127.0.0.1 -s samples/EventLogger/miltertest.lua

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

-- It wants every event and never makes the MTA wait: every step is on and no-reply.
local steps = {
  CONN = { SMFIP_NOCONNECT, SMFIP_NR_CONN }, HELO = { SMFIP_NOHELO, SMFIP_NR_HELO }, MAIL = { SMFIP_NOMAIL, SMFIP_NR_MAIL },
  RCPT = { SMFIP_NORCPT, SMFIP_NR_RCPT }, DATA = { SMFIP_NODATA, SMFIP_NR_DATA }, HDR = { SMFIP_NOHDRS, SMFIP_NR_HDR },
  EOH = { SMFIP_NOEOH, SMFIP_NR_EOH }, BODY = { SMFIP_NOBODY, SMFIP_NR_BODY }, UNKN = { SMFIP_NOUNKNOWN, SMFIP_NR_UNKN },
}
for name, flags in pairs(steps) do
  check(not mt.test_option(conn, flags[1]), "the " .. name .. " step is switched off")
  check(mt.test_option(conn, flags[2]), "the " .. name .. " step is not no-reply")
end

-- Every event of a message, then end of message: it lets the message go on unchanged (CONTINUE).
check(mt.conninfo(conn, "client.example.org", "192.0.2.7") == nil, "mt.conninfo failed")
check(mt.helo(conn, "client.example.org") == nil, "mt.helo failed")
check(mt.mailfrom(conn, "<sender@example.org>", "SIZE=120") == nil, "mt.mailfrom failed")
check(mt.rcptto(conn, "<rcpt@example.net>") == nil, "mt.rcptto failed")
check(mt.data(conn) == nil, "mt.data failed")
check(mt.header(conn, "Subject", "logged") == nil, "mt.header failed")
check(mt.eoh(conn) == nil, "mt.eoh failed")
check(mt.bodystring(conn, "Hello.\r\n") == nil, "mt.bodystring failed")
check(mt.eom(conn) == nil, "mt.eom failed")
check(mt.getreply(conn) == SMFIR_CONTINUE, "end of message not answered with CONTINUE")
check(not mt.eom_check(conn, MT_HDRADD) and not mt.eom_check(conn, MT_HDRCHANGE) and not mt.eom_check(conn, MT_BODYCHANGE),
      "the message was changed")

-- An abandoned message, an unknown command, and the next message on the same connection.
check(mt.mailfrom(conn, "<other@example.org>") == nil, "mt.mailfrom failed")
check(mt.abort(conn) == nil, "mt.abort failed")
check(mt.unknown(conn, "XFOO bar") == nil, "mt.unknown failed")
check(mt.mailfrom(conn, "<third@example.org>") == nil, "mt.mailfrom failed")
check(mt.rcptto(conn, "<rcpt@example.net>") == nil, "mt.rcptto failed")
check(mt.header(conn, "Subject", "again") == nil, "mt.header failed")
check(mt.eom(conn) == nil, "mt.eom failed")
check(mt.getreply(conn) == SMFIR_CONTINUE, "the second end of message not answered with CONTINUE")

mt.disconnect(conn)
