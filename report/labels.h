#pragma once
// Report labels in English and Japanese.
#include <string_view>

namespace kensa::report {

struct Labels {
  std::string_view title, product, summary, framework, requirements, verdict, basis, reason,
      evidence, findings, sources, missing, answer, all, jcstar_view, stakeholder_view, eval,
      document, device, unknown, no_findings, generated_from, filter, checks_run, unverified;
  std::string_view pass, fail, not_applicable, needs_evidence, inconclusive;
  std::string_view verdict_help;
};

inline const Labels& labels(std::string_view lang) {
  static const Labels en = {
      "kensa assessment report",
      "Product",
      "Summary",
      "Framework",
      "Requirements",
      "Verdict",
      "Basis",
      "Reason",
      "Evidence",
      "Findings",
      "Derived from",
      "Still needed",
      "Maker's answer",
      "All",
      "JC-STAR ★1 checklist",
      "Smart-home guideline: by stakeholder",
      "Evaluation",
      "document",
      "device",
      "unknown",
      "No findings.",
      "Inputs",
      "Show verdicts",
      "Checks run",
      "criterion wording unverified",
      "PASS",
      "FAIL",
      "NOT APPLICABLE",
      "NEEDS EVIDENCE",
      "INCONCLUSIVE",
      "PASS: shown to be met by tests and/or documents. FAIL: shown not to be met. NOT APPLICABLE: "
      "does not apply, with a reason. NEEDS EVIDENCE: only a document or a person can decide, and "
      "nothing was given yet. INCONCLUSIVE: a test that should decide it could not run."};
  static const Labels ja = {"kensa 検査報告書",
                            "製品",
                            "概要",
                            "フレームワーク",
                            "要求事項",
                            "判定",
                            "根拠",
                            "理由",
                            "証拠",
                            "検出事項",
                            "導出元",
                            "不足しているもの",
                            "メーカーの回答",
                            "すべて",
                            "JC-STAR ★1 チェックリスト",
                            "スマートホームガイドライン：関係者別",
                            "評価種別",
                            "ドキュメント評価",
                            "実機評価",
                            "不明",
                            "検出事項なし",
                            "入力",
                            "表示する判定",
                            "実行した検査",
                            "基準の文言は未確認",
                            "適合",
                            "不適合",
                            "対象外",
                            "証拠不足",
                            "判定不能",
                            "適合：試験や文書で満たすことを確認。不適合：満たさないことを確認。対象"
                            "外：理由付きで適用されない。"
                            "証拠不足：文書か人でしか判断できず、まだ提出がない。判定不能：判定に必"
                            "要な試験が実行できなかった。"};
  return lang == "ja" ? ja : en;
}

inline std::string_view verdict_label(const Labels& l, std::string_view verdict) {
  if (verdict == "PASS") return l.pass;
  if (verdict == "FAIL") return l.fail;
  if (verdict == "NOT_APPLICABLE") return l.not_applicable;
  if (verdict == "INCONCLUSIVE") return l.inconclusive;
  return l.needs_evidence;
}

}  // namespace kensa::report
