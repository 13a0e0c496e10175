"""The words of the public verification page ``/verify/{id}``, in zh and en.

The page itself is ``templates/verify.html`` (server-rendered, no script); the
figures come preformatted in the ``CertificateView`` (``api.views.numbers``).
Status badges carry the English word in both languages, so a buyer abroad who
lands on the Chinese page still reads VALID or REVOKED. The period is worded
when the page renders, in its language, the one way every face shows it
(``CertificateView.period``: ``certificates.labels.format_period``); the
witnesses that cosigned are named by their policy label and the name they sign
with (``witness_names``).
"""

from __future__ import annotations

from collections.abc import Iterable

from api.views.certificate_lookup import SHARE_LABELS
from api.views.i18n import Lang, Words
from ledger.log.policy import Policy

__all__ = ["MESSAGES", "witness_names", "words"]

MESSAGES: dict[str, dict[str, str]] = {
    "brand": {
        "zh": "Tanji 碳迹 · 产品碳足迹证书",
        "en": "Tanji 碳迹 · product carbon-footprint certificate",
    },
    "switch": {"zh": "English", "en": "中文"},
    "title": {"zh": "证书", "en": "certificate"},
    "status_valid": {"zh": "有效 VALID", "en": "VALID"},
    "status_revoked": {"zh": "已撤销 REVOKED", "en": "REVOKED"},
    "status_superseded": {"zh": "已被取代 SUPERSEDED", "en": "SUPERSEDED"},
    "witnessed": {"zh": "已见证 WITNESSED", "en": "WITNESSED"},
    "witnessed_by": {
        "zh": "见证方：{names}（策略：{quorum}；检查点含 {size} 条记录）",
        "en": "by {names} (policy: {quorum}; checkpoint of {size} entries)",
    },
    "not_witnessed": {"zh": "未见证 NOT WITNESSED", "en": "NOT WITNESSED"},
    "not_witnessed_why": {
        "zh": "未满足见证策略（{quorum}）：{reason}",
        "en": "the witness policy ({quorum}) is not met: {reason}",
    },
    "certificate": {"zh": "证书编号", "en": "Certificate"},
    "declared_unit": {"zh": "声明单位", "en": "Declared unit"},
    "period": {"zh": "核算期", "en": "Period"},
    "market": {"zh": "碳足迹（市场法）", "en": "Footprint, market-based"},
    "location": {"zh": "碳足迹（位置法）", "en": "Footprint, location-based"},
    "green": {"zh": "绿电 — {label}", "en": "Green electricity — {label}"},
    "share_physical": {"zh": "物理绿电（直连）", "en": SHARE_LABELS["physical"]},
    "share_claimable": {"zh": "可声明绿电（已注销绿证）", "en": SHARE_LABELS["claimable"]},
    "share_hourly_matched": {
        "zh": "逐小时匹配（直连和绿电交易，逐小时）",
        "en": SHARE_LABELS["hourly_matched"],
    },
    "issuer": {"zh": "签发方", "en": "Issuer"},
    "verifier": {"zh": "核查机构", "en": "Verifier"},
    "evidence": {"zh": "账本中的证据", "en": "Evidence in the ledger"},
    "th_seq": {"zh": "序号", "en": "seq"},
    "th_kind": {"zh": "类型", "en": "kind"},
    "th_hash": {"zh": "叶哈希", "en": "leaf hash"},
    "checkpoint": {"zh": "检查点", "en": "Checkpoint"},
    "witnessed_checkpoint": {"zh": "已见证的检查点", "en": "Witnessed checkpoint"},
    "download": {
        "zh": "可用 <code>tanji cert verify</code> 和账本公钥离线核验。",
        "en": "check it offline with <code>tanji cert verify</code> and the ledger's public key.",
    },
    "download_link": {"zh": "下载签名证书（JSON）", "en": "Download the signed certificate (JSON)"},
    "offline": {
        "zh": "签名证书由持有人保存；可用 <code>tanji cert verify</code> 和账本公钥离线核验。",
        "en": "The signed certificate travels with its holder; check it offline with <code>tanji cert verify"
        "</code> and the ledger's public key.",
    },
    "not_found": {"zh": "未找到证书", "en": "Certificate not found"},
    "not_found_badge": {"zh": "未找到 NOT FOUND", "en": "NOT FOUND"},
    "not_found_text": {
        "zh": "本账本（{origin}）中没有证书 <code>{id}</code>。",
        "en": "No certificate <code>{id}</code> is known to this ledger ({origin}).",
    },
    "footer": {
        "zh": "本页不含脚本，也不加载任何外部资源。证书的签名和默克尔证明无需信任本服务器即可核验。",
        "en": "This page is served without scripts or external resources. The certificate's signatures and "
        "Merkle proofs can be verified without trusting this server.",
    },
    # Phrases the ledger lookup writes (api.views.certificate_lookup), translated by ``maybe``.
    "the footprint was recomputed; a newer certificate supersedes this one": {
        "zh": "碳足迹已重新计算，新的证书取代了本证书",
        "en": "the footprint was recomputed; a newer certificate supersedes this one",
    },
    "the certificate's record": {"zh": "证书记录", "en": "the certificate's record"},
    "the certified footprint": {"zh": "所认证的碳足迹", "en": "the certified footprint"},
    "verification statement": {"zh": "核查声明", "en": "verification statement"},
    "hourly green-power attribution": {"zh": "逐小时绿电归因", "en": "hourly green-power attribution"},
}


class PageWords(Words):
    """``Words`` that also translate a free text when it is one of the page's known phrases."""

    def maybe(self, text: str | None) -> str:
        """``text`` in this language if it is a known phrase, else as given."""
        if not text:
            return ""
        entry = self.messages.get(text)
        return entry[self.lang] if entry is not None else text


def words(lang: Lang) -> PageWords:
    """The page's words in ``lang``."""
    return PageWords(lang, MESSAGES)


def witness_names(policy: Policy, labels: Iterable[str]) -> str:
    """The witnesses ``labels`` of ``policy``, as the page names them: each policy label and, when it
    differs, the name the witness signs its cosignatures with (``verifier (verifier.cqc.example/witness)``,
    the name on its line of the checkpoint note)."""
    signs_as = {w.label: w.key.name for w in policy.witnesses}
    return ", ".join(
        label if signs_as.get(label, label) == label else f"{label} ({signs_as[label]})" for label in labels
    )
