-- A miltertest script (OpenDKIM's MTA-side test client, Debian package miltertest) for the attachment guard with the
-- sample's appsettings.json, written as for any libmilter milter: it passes against a pymilter milter with the same
-- policy too, so it checks what changed (the body replaced, the header added), not the bytes of the new MIME body.
--   cd samples/AttachmentGuard && dotnet run &     # in its folder, to read its appsettings.json (inet:8893@127.0.0.1)
--   miltertest -D socket=inet:8893@127.0.0.1 -s samples/AttachmentGuard/miltertest.lua

-- miltertest does not print why a script failed: say it on stderr, then fail.
local function check(ok, message)
  if not ok then
    io.stderr:write("FAILED: " .. message .. "\n")
    error(message)
  end
end

-- It reads the headers and the body without replying, and at end of message adds a header, replaces the body, and
-- changes a header when a rewritten part is the whole message; it asks for nothing else, and every other step is off.
-- miltertest forgets what a milter did at end of message only at the next MAIL, which this milter switches off:
-- each message gets a connection of its own.
local function connect()
  local conn = mt.connect(socket, 40, 0.25)
  check(conn ~= nil, "cannot connect to " .. tostring(socket))
  check(mt.negotiate(conn, nil, nil, nil) == nil, "negotiation failed")
  for name, action in pairs({ ADDHDRS = SMFIF_ADDHDRS, CHGBODY = SMFIF_CHGBODY, CHGHDRS = SMFIF_CHGHDRS }) do
    check(mt.test_action(conn, action), "SMFIF_" .. name .. " not requested")
  end
  for name, action in pairs({ ADDRCPT = SMFIF_ADDRCPT, DELRCPT = SMFIF_DELRCPT, QUARANTINE = SMFIF_QUARANTINE,
                              CHGFROM = SMFIF_CHGFROM, SETSYMLIST = SMFIF_SETSYMLIST }) do
    check(not mt.test_action(conn, action), "SMFIF_" .. name .. " requested, but never used")
  end
  for name, flags in pairs({ HDR = { SMFIP_NOHDRS, SMFIP_NR_HDR }, BODY = { SMFIP_NOBODY, SMFIP_NR_BODY } }) do
    check(not mt.test_option(conn, flags[1]), "the " .. name .. " step is switched off")
    check(mt.test_option(conn, flags[2]), "the " .. name .. " step is not no-reply")
  end
  for name, step in pairs({ NOCONNECT = SMFIP_NOCONNECT, NOHELO = SMFIP_NOHELO, NOMAIL = SMFIP_NOMAIL, NORCPT = SMFIP_NORCPT,
                            NODATA = SMFIP_NODATA, NOEOH = SMFIP_NOEOH, NOUNKNOWN = SMFIP_NOUNKNOWN }) do
    check(mt.test_option(conn, step), "SMFIP_" .. name .. " not negotiated")
  end
  return conn
end

-- A multipart/mixed message with a text part and the given parts; small, because miltertest reads each reply of the
-- milter into 1,024 bytes and the replaced body comes back in one.
local function send(what, parts)
  local conn = connect()
  local headers = { { "From", "<sender@example.org>" }, { "To", "<rcpt@example.net>" }, { "Subject", what },
                    { "MIME-Version", "1.0" }, { "Content-Type", "multipart/mixed; boundary=\"b\"" } }
  for _, h in ipairs(headers) do
    check(mt.header(conn, h[1], h[2]) == nil, what .. ": mt.header(" .. h[1] .. ") failed")
  end
  local body = "--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
  for _, part in ipairs(parts) do
    body = body .. "--b\r\n" .. part
  end
  body = body .. "--b--\r\n"
  check(mt.bodystring(conn, body) == nil, what .. ": mt.bodystring failed")
  check(mt.eom(conn) == nil, what .. ": mt.eom failed")
  check(mt.getreply(conn) == SMFIR_ACCEPT, what .. ": the message was not accepted")
  return conn, body
end

local function attachment(name, content_type, base64)
  return "Content-Type: " .. content_type .. "; name=\"" .. name .. "\"\r\nContent-Disposition: attachment; filename=\"" .. name ..
         "\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" .. base64 .. "\r\n"
end

-- The body is replaced (with other content) and the header added; no header is changed.
local function guarded(what, parts, header)
  local conn, body = send(what, parts)
  check(mt.eom_check(conn, MT_BODYCHANGE), what .. ": the body was not replaced")
  check(not mt.eom_check(conn, MT_BODYCHANGE, body), what .. ": the body was replaced with itself")
  check(mt.eom_check(conn, MT_HDRADD, "X-Attachment-Guard", header), what .. ": X-Attachment-Guard: " .. header .. " not added")
  check(mt.getheader(conn, "X-Attachment-Guard", 0) == header, what .. ": wrong X-Attachment-Guard value")
  check(not mt.eom_check(conn, MT_HDRCHANGE), what .. ": a header was changed")
  mt.disconnect(conn)
end

-- An executable, an executable inside a zip archive (tools/setup.exe), and an HTML part with a script.
guarded("an executable", { attachment("invoice.pdf.exe", "application/octet-stream", "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAA") },
        "removed 1 attachment(s), cleaned 0 HTML part(s)")
guarded("a zipped executable", { attachment("tools.zip", "application/zip",
          "UEsDBBQAAAAAAIcDfV1dm7CPAgAAAAIAAAAPAAAAdG9vbHMvc2V0dXAuZXhlTVpQSwECFAMUAAAAAACHA31dXZuwjwIAAAACAAAADwAAAAAAAAAAAAAAgAEAAAAAdG9vbHMvc2V0dXAuZXhlUEsFBgAAAAABAAEAPQAAAC8AAAAAAA==") },
        "removed 1 attachment(s), cleaned 0 HTML part(s)")
guarded("a script in HTML", { "Content-Type: text/html\r\n\r\n<p>Hello<script>steal()</script></p>\r\n" },
        "removed 0 attachment(s), cleaned 1 HTML part(s)")

-- A clean message (a PDF, a zip of photos/beach.jpg, HTML without scripts) is accepted without a single change.
local clean = send("clean files", { attachment("report.pdf", "application/pdf", "JVBERi0xLjQK"),
  attachment("photos.zip", "application/zip", "UEsDBBQAAAAAAKYDfV1lTTolAwAAAAMAAAAQAAAAcGhvdG9zL2JlYWNoLmpwZ//Y/1BLAQIUAxQAAAAAAKYDfV1lTTolAwAAAAMAAAAQAAAAAAAAAAAAAACAAQAAAABwaG90b3MvYmVhY2guanBnUEsFBgAAAAABAAEAPgAAADEAAAAAAA=="),
  "Content-Type: text/html\r\n\r\n<p>Hello</p>\r\n" })
check(not mt.eom_check(clean, MT_BODYCHANGE), "clean files: the body was replaced")
check(not mt.eom_check(clean, MT_HDRADD) and not mt.eom_check(clean, MT_HDRCHANGE), "clean files: a header was added or changed")
mt.disconnect(clean)
