// Japanese titles of the finding kinds, kept apart from kinds.cc so that a kind is added in one
// place and translated in another (the evidence test fails until every kind has its title here).
// Collectors write a finding's specific title in English; reports in Japanese lead with this one.
#include <algorithm>
#include <iterator>
#include <utility>

#include "evidence/evidence.h"

namespace kensa::evidence {
namespace {

constexpr std::pair<std::string_view, std::string_view> kTitlesJa[] = {
    {"default-credential", "初期設定または周知の認証情報が受け入れられる"},
    {"empty-password", "パスワードが設定されていないアカウントがある"},
    {"hardcoded-credential", "認証情報がソフトウェアまたは設定にハードコードされている"},
    {"shared-credential", "同じ認証情報が複数の機器・イメージで共通に使われている（共通の初期値）"},
    {"weak-password-hash", "パスワードが弱いハッシュ方式（DES、MD5 crypt）で保存されている"},
    {"no-authentication", "認証なしにネットワークから機能を利用できる"},
    {"no-bruteforce-protection", "ログイン失敗の繰り返しが遅延もロックもされない"},
    {"ssh-password-auth", "SSH がパスワード認証を受け入れる"},
    {"cleartext-service", "暗号化なしでサービスが提供・利用されている"},
    {"cleartext-credential", "認証情報が平文で送られている"},
    {"tls-legacy-version", "TLS 1.2 より古い TLS/SSL が受け入れられる、または使われている"},
    {"tls-weak-cipher", "弱い暗号スイートが受け入れられる、または使われている"},
    {"tls-weak-key", "証明書または鍵の長さが不足している"},
    {"tls-self-signed", "証明書が自己署名である"},
    {"tls-expired", "証明書の有効期限が切れている、または有効期間前である"},
    {"tls-weak-signature", "証明書が弱いアルゴリズム（MD5、SHA-1）で署名されている"},
    {"tls-name-mismatch", "証明書が接続先の名前と一致しない"},
    {"ssh-weak-algorithm", "SSH が弱い鍵交換・暗号・MAC アルゴリズムを提示する"},
    {"private-key-embedded", "ファームウェアイメージに秘密鍵が埋め込まれている"},
    {"mqtt-anonymous", "MQTT ブローカーが匿名クライアントを受け入れる"},
    {"coap-unauthenticated", "DTLS や OSCORE なしに CoAP リソースを読み出せる"},
    {"snmp-default-community", "SNMP が初期設定のコミュニティ名に応答する"},
    {"ftp-anonymous", "FTP が匿名ログインを許可している"},
    {"upnp-exposed", "UPnP/SSDP が応答する、または IGD の操作が認証なしに実行できる"},
    {"debug-service", "デバッグ用サービス（ADB、JTAG ブリッジ、デバッグシェル）に到達できる"},
    {"info-disclosure", "認証前にセキュリティ上重要な情報が開示される"},
    {"open-service", "ネットワークサービスが待ち受けている（インベントリ）"},
    {"insecure-service-at-boot", "起動時に安全でないサービス（telnetd、ftpd、tftpd）が起動する"},
    {"serial-console-open", "シリアルコンソールからパスワードなしでシェルが得られる"},
    {"vulnerable-component", "既知の脆弱性があるバージョンのコンポーネントが含まれる"},
    {"component-identified", "ソフトウェアコンポーネントとバージョンを特定した（インベントリ）"},
    {"missing-hardening", "バイナリに攻撃緩和策（NX、PIE、RELRO、カナリア、FORTIFY）がない"},
    {"risky-function", "バイナリがメモリ破壊を招きやすい関数を使っている"},
    {"world-writable", "全ユーザーが書き込めるファイルがある"},
    {"setuid-binary", "setuid されたバイナリがある"},
    {"no-update-mechanism", "ソフトウェア更新の仕組みが見つからない"},
    {"update-insecure-channel", "更新が認証のない経路（http、tftp）で取得される"},
    {"update-unsigned", "更新の真正性・完全性の検証が見つからない"},
    {"outbound-scanning", "機器が多数のアドレスを走査している（ワームやボットの挙動）"},
    {"ddos-participation", "機器が一つの宛先へ集中的に送信している"},
    {"unexpected-destination", "機器が許可リスト外の宛先と通信している"},
    {"ip-fragment-overlap", "IP フラグメントが異なる内容で重なっている（検査回避や攻撃の兆候）"},
    {"device-observed", "通信から機器を確認した（インベントリ：MAC ベンダー、名前、通信相手）"},
    {"input-validation-failure", "不正な入力でサービスが停止した、または検証なしに受け入れられた"},
    {"observed-time-sync", "時刻同期を確認した"},
    {"observed-log-forwarding", "ログの転送を確認した"},
    {"observed-update-check", "更新の確認を確認した"},
    {"observed-bruteforce-protection", "ログイン失敗の遅延またはロックアウトを確認した"},
    {"observed-encrypted-channel", "サービスとの通信が現行の TLS/DTLS を使っていた"},
};

}  // namespace

std::string_view kind_title_ja(std::string_view id) {
  const auto* it = std::find_if(std::begin(kTitlesJa), std::end(kTitlesJa),
                                [&](const auto& entry) { return entry.first == id; });
  if (it != std::end(kTitlesJa)) return it->second;
  const Kind* kind = find_kind(id);
  return kind ? kind->title : std::string_view{};
}

}  // namespace kensa::evidence
