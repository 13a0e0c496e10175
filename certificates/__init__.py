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
- :mod:`certificates.labels`: ``label_data``, ``render_html``, ``render_pdf``, ``write_labels``;
- :mod:`certificates.evidence`: which entries a certificate rests on (traceability graph + keys);
- :mod:`certificates.errors`: ``CertificateError`` and its subclasses.

Modules are imported where used (``certificates.kinds`` is a ``tanji.plugins`` entry
point; the verifier does not need a database).
"""
