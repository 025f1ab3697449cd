-- A miltertest script (OpenDKIM's MTA-side test client, Debian package miltertest) for the recipient policy with the
-- sample's appsettings.json, written as for any libmilter milter: it passes against a pymilter milter with the same
-- rules too.
--   miltertest -D socket=inet:8892@127.0.0.1 -s samples/RecipientPolicy/miltertest.lua

-- miltertest does not print why a script failed: say it on stderr, then fail.
local function check(ok, message)
  if not ok then
    io.stderr:write("FAILED: " .. message .. "\n")
    error(message)
  end
end

-- It decides per recipient: the connect step needs no reply, the steps after RCPT are switched off.
local function connect(host, address)
  local conn = mt.connect(socket, 40, 0.25)
  check(conn ~= nil, "cannot connect to " .. tostring(socket))
  check(mt.negotiate(conn, nil, nil, nil) == nil, "negotiation failed")
  check(mt.test_option(conn, SMFIP_NR_CONN), "the connect step is not no-reply")
  check(not mt.test_option(conn, SMFIP_NORCPT), "the recipient step is switched off")
  check(not mt.test_option(conn, SMFIP_NR_RCPT), "the recipient step is no-reply")
  for name, step in pairs({ NOHELO = SMFIP_NOHELO, NOMAIL = SMFIP_NOMAIL, NODATA = SMFIP_NODATA, NOHDRS = SMFIP_NOHDRS,
                            NOEOH = SMFIP_NOEOH, NOBODY = SMFIP_NOBODY, NOUNKNOWN = SMFIP_NOUNKNOWN }) do
    check(mt.test_option(conn, step), "SMFIP_" .. name .. " not negotiated")
  end
  check(mt.conninfo(conn, host, address) == nil, "mt.conninfo failed")
  return conn
end

local function rcpt(conn, address, expected, what)
  check(mt.rcptto(conn, address) == nil, "mt.rcptto(" .. address .. ") failed")
  check(mt.getreply(conn) == expected, what .. ": unexpected reply to RCPT " .. address)
end

-- A client on the trusted network (127.0.0.0/8) may relay; blocked and full mailboxes are refused with their own
-- replies (SMFIR_REPLYCODE: 550 5.1.1 and 452 4.2.2); the message goes on for the other recipients and is accepted.
local trusted = connect("localhost", "127.0.0.1")
rcpt(trusted, "<rcpt@example.net>", SMFIR_CONTINUE, "local recipient")
rcpt(trusted, "<former-employee@example.net>", SMFIR_REPLYCODE, "blocked recipient")
rcpt(trusted, "<hoarder@example.net>", SMFIR_REPLYCODE, "full mailbox")
rcpt(trusted, "<friend@elsewhere.example>", SMFIR_CONTINUE, "relaying from a trusted client")
check(mt.eom(trusted) == nil, "mt.eom failed")
check(mt.getreply(trusted) == SMFIR_CONTINUE, "end of message not answered with CONTINUE")
check(not mt.eom_check(trusted, MT_HDRADD) and not mt.eom_check(trusted, MT_HDRCHANGE), "the message was changed")
mt.disconnect(trusted)

-- From elsewhere, relaying is refused (554 5.7.1) unless the client authenticated ({auth_authen} at RCPT).
local outside = connect("mail.example.org", "192.0.2.7")
rcpt(outside, "<rcpt@example.net>", SMFIR_CONTINUE, "local recipient from outside")
rcpt(outside, "<friend@elsewhere.example>", SMFIR_REPLYCODE, "relaying from outside")
mt.macro(outside, SMFIC_RCPT, "{auth_authen}", "alice")
rcpt(outside, "<friend@elsewhere.example>", SMFIR_CONTINUE, "relaying after authentication")
mt.disconnect(outside)
