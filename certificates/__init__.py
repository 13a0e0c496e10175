"""Signed product-footprint certificates, labels and offline verification (DESIGN.md section 7).

Public surface:

- :mod:`certificates.document`: ``Certificate`` (``from_json``/``from_bytes``, ``signed_bytes``,
  ``content_digest``, ``to_bytes``) — the layout and the bytes that are signed;
- :mod:`certificates.issue`: ``issue_certificate`` (build, sign, record ``certificate.issue``),
  ``build_certificate``, ``sign_certificate``;
- :mod:`certificates.verify`: ``check_certificate`` → ``VerificationResult`` (pure, offline,
  needs only the file and ``TrustedKey``), ``verify_certificate`` (raising);
- :mod:`certificates.upgrade`: ``attach_upgrade`` (offline pieces), ``upgrade_certificate`` (from a ledger);
- :mod:`certificates.kinds`: the ``certificate.issue`` / ``certificate.revoke`` kinds, the
  ``certificates`` projection, ``certificate_status`` (valid / revoked / superseded);
- :mod:`certificates.revoke`: ``revoke_certificate``;
- :mod:`certificates.labels`: ``label_data``, ``render_html``, ``render_pdf``, ``write_labels``
  (fonts embedded: :mod:`certificates.fonts`; periods: ``format_period``);
- :mod:`certificates.evidence`: ``select_evidence`` — the compact, private evidence (entries the
  claims rest on, the issuer's committed rows, multiproofs, key closure);
- :mod:`certificates.green`: ``derive_green`` — the lot's green electricity from its rows (issuer
  and verifier alike); :mod:`certificates.derivation`: the offline checks that re-derive it,
  ``explain_certificate``;
- :mod:`certificates.site`: the public base URL, ``did:web`` host and GS1 Digital Link paths;
  :mod:`certificates.resolve`: which certificate a Digital Link resolves to;
- :mod:`certificates.status`: online status, the ``revocation`` check;
- :mod:`certificates.credentials`: W3C VC 2.0 / UNTP 0.6.1 passports, conformity credentials and
  traceability events, secured with ``eddsa-jcs-2022`` and VC-JOSE; ``did:web`` documents;
- :mod:`certificates.errors`: ``CertificateError`` and its subclasses.

Modules are imported where used (``certificates.kinds`` is a ``tanji.plugins`` entry
point; the verifier does not need a database).
"""
