-- tools/lab: prosody as the xmpp service: client connections (c2s) on
-- 127.0.0.1:@PORT@ with STARTTLS required, one virtual host for the xmpp
-- domain with the service's certificate.  no s2s, no http, no components.
pidfile = "@DIR@/prosody.pid"
data_path = "@DIR@/data"
log = { info = "@DIR@/prosody.log" }

interfaces = { "@HOST@" }
c2s_ports = { @PORT@ }
c2s_direct_tls_ports = { }
s2s_ports = { }
c2s_require_encryption = true

modules_enabled = { "tls", "saslauth", "disco", "ping", "posix" }
modules_disabled = { "s2s", "offline", "c2s_direct_tls" }
authentication = "internal_hashed"
storage = "internal"

-- the explicit ssl below is what it serves; this only keeps prosody from
-- looking in /etc/prosody/certs
certificates = "@DIR@/tls"

VirtualHost "@DOMAIN@"
  ssl = {
    certificate = "@CERT@";
    key = "@KEY@";
  }
