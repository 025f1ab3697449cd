-- A miltertest script (OpenDKIM's MTA-side test client, Debian package miltertest) for the header stamper,
-- written as for any libmilter milter: it passes against a pymilter milter with the same behaviour too.
--   miltertest -D socket=inet:8890@127.0.0.1 -s samples/HeaderStamper/miltertest.lua

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

-- It only adds headers, reads the headers without replying, and switches every other step off.
check(mt.test_action(conn, SMFIF_ADDHDRS), "SMFIF_ADDHDRS not requested")
check(mt.test_option(conn, SMFIP_NR_HDR), "the header step is not no-reply")
for name, step in pairs({ NOCONNECT = SMFIP_NOCONNECT, NOHELO = SMFIP_NOHELO, NOMAIL = SMFIP_NOMAIL, NORCPT = SMFIP_NORCPT,
                          NODATA = SMFIP_NODATA, NOEOH = SMFIP_NOEOH, NOBODY = SMFIP_NOBODY, NOUNKNOWN = SMFIP_NOUNKNOWN }) do
  check(mt.test_option(conn, step), "SMFIP_" .. name .. " not negotiated")
end

-- Each message is stamped with the number of headers it had, and accepted.
local function message(headers)
  for _, h in ipairs(headers) do
    check(mt.header(conn, h[1], h[2]) == nil, "mt.header(" .. h[1] .. ") failed")
  end
  check(mt.eom(conn) == nil, "mt.eom failed")
  check(mt.getreply(conn) == SMFIR_ACCEPT, "the message was not accepted")
end

message({ { "From", "<sender@example.org>" }, { "To", "<rcpt@example.net>" }, { "Subject", "hello" } })
check(mt.eom_check(conn, MT_HDRADD, "X-Stamped", "3 headers seen by Milter for .NET"), "X-Stamped not added (ADDHEADER)")
check(mt.getheader(conn, "X-Stamped", 0) == "3 headers seen by Milter for .NET", "wrong X-Stamped value")
check(not mt.eom_check(conn, MT_HDRCHANGE), "a header was changed")

-- The count starts again with the next message on the same connection.
message({ { "Subject", "second" } })
check(mt.eom_check(conn, MT_HDRADD, "X-Stamped", "1 headers seen by Milter for .NET"), "the second message was not stamped with 1")

mt.disconnect(conn)
