// The taxonomy of finding kinds shared by every collector. Adding a kind is a schema change:
// document it in evidence/SCHEMA.md and decide in verdict/rules/ which requirements it bears on.
#include <algorithm>

#include "evidence/evidence.h"

namespace kensa::evidence {

std::string_view to_string(Severity severity) {
  switch (severity) {
    case Severity::info:
      return "info";
    case Severity::low:
      return "low";
    case Severity::medium:
      return "medium";
    case Severity::high:
      return "high";
    case Severity::critical:
      return "critical";
  }
  return "medium";
}

const std::vector<Kind>& kinds() {
  using S = Severity;
  static const std::vector<Kind> table = {
      // Authentication and credentials
      {"default-credential", "A default or well-known credential is accepted", S::high},
      {"empty-password", "An account has no password", S::critical},
      {"hardcoded-credential", "A credential is hard-coded in software or configuration", S::high},
      {"shared-credential",
       "The same credential is used across devices or images (universal default)", S::high},
      {"weak-password-hash", "Passwords are stored with a weak hash scheme (DES, MD5 crypt)",
       S::medium},
      {"no-authentication", "A function is reachable over the network without authentication",
       S::high},
      {"no-bruteforce-protection", "Repeated failed logins are neither slowed nor locked out",
       S::medium},
      {"ssh-password-auth", "SSH accepts password authentication", S::low},
      // Cleartext and cryptography
      {"cleartext-service", "A service is offered or used without encryption", S::medium},
      {"cleartext-credential", "Credentials travel in clear text", S::high},
      {"tls-legacy-version", "TLS/SSL older than 1.2 is accepted or negotiated", S::medium},
      {"tls-weak-cipher", "A weak cipher suite is accepted or negotiated", S::medium},
      {"tls-weak-key", "A certificate or key is too short", S::medium},
      {"tls-self-signed", "A certificate is self-signed", S::low},
      {"tls-expired", "A certificate is expired or not yet valid", S::medium},
      {"tls-weak-signature", "A certificate is signed with a weak algorithm (MD5, SHA-1)",
       S::medium},
      {"tls-name-mismatch", "A certificate does not match the name used to reach the service",
       S::low},
      {"ssh-weak-algorithm", "SSH offers weak key exchange, cipher or MAC algorithms", S::low},
      {"private-key-embedded", "A private key is embedded in the firmware image", S::high},
      // Protocol-specific exposure
      {"mqtt-anonymous", "An MQTT broker accepts anonymous clients", S::high},
      {"coap-unauthenticated", "CoAP resources are readable without DTLS or OSCORE", S::medium},
      {"snmp-default-community", "SNMP answers to a default community string", S::high},
      {"ftp-anonymous", "FTP allows anonymous login", S::medium},
      {"upnp-exposed", "UPnP/SSDP answers, or IGD actions run without authentication", S::medium},
      {"debug-service", "A debug service is reachable (ADB, JTAG bridge, debug shell)", S::high},
      {"info-disclosure", "Security-relevant information is disclosed before authentication",
       S::low},
      {"open-service", "A network service is listening (inventory)", S::info},
      // Firmware contents
      {"insecure-service-at-boot", "An insecure service is started at boot (telnetd, ftpd, tftpd)",
       S::medium},
      {"serial-console-open", "A serial console gives a shell without a password", S::medium},
      {"vulnerable-component", "A component version has known vulnerabilities", S::high},
      {"component-identified", "A software component and version were identified (inventory)",
       S::info},
      {"missing-hardening", "A binary lacks exploit mitigations (NX, PIE, RELRO, canary, FORTIFY)",
       S::low},
      {"risky-function", "A binary imports functions prone to memory errors", S::info},
      {"world-writable", "Files are writable by every user", S::low},
      {"setuid-binary", "A setuid binary is present", S::info},
      {"no-update-mechanism", "No software update mechanism was found", S::medium},
      {"update-insecure-channel",
       "Updates are fetched over an unauthenticated channel (http, tftp)", S::medium},
      {"update-unsigned", "No verification of update authenticity or integrity was found",
       S::medium},
      // Behaviour seen in traffic
      {"outbound-scanning", "The device scans many addresses (worm or bot behaviour)", S::critical},
      {"ddos-participation", "The device sends bursts toward one destination", S::high},
      {"unexpected-destination", "The device contacts a destination outside its allow-list",
       S::medium},
      {"ip-fragment-overlap",
       "IP fragments overlap with conflicting content (evasion or attack traffic)", S::medium},
      {"device-observed", "A device was seen in traffic (inventory: MAC vendor, names, peers)",
       S::info},
      {"input-validation-failure", "Malformed input crashed the service or was accepted unchecked",
       S::medium},
      // Positive observations: evidence that something required is happening.
      {"observed-time-sync", "Time synchronisation was observed", S::info},
      {"observed-log-forwarding", "Log forwarding was observed", S::info},
      {"observed-update-check", "An update check was observed", S::info},
      {"observed-encrypted-channel", "Traffic to a service used current TLS/DTLS", S::info},
      {"observed-bruteforce-protection",
       "Repeated failed logins were slowed or locked out (seen by the prober)", S::info},
  };
  return table;
}

const Kind* find_kind(std::string_view id) {
  const auto& table = kinds();
  auto it = std::find_if(table.begin(), table.end(), [&](const Kind& k) { return k.id == id; });
  return it == table.end() ? nullptr : &*it;
}

}  // namespace kensa::evidence
