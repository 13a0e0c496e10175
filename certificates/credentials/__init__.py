"""W3C Verifiable Credentials 2.0 with Data Integrity proofs (DESIGN.md section 7).

Public surface, general enough for every credential Tanji issues (UNTP Digital
Traceability Events now; the Digital Product Passport and the Digital
Conformity Credential build on the same pieces):

- :mod:`certificates.credentials.data_integrity`: ``add_proof`` / ``create_proof``
  (document, key and verification method in, secured document out),
  ``verify_proof`` → ``ProofVerification`` (named checks, never raises for a bad
  proof), ``verify_secured`` (raising), ``hash_data`` (the signed bytes, defined
  once); cryptosuite ``eddsa-jcs-2022``;
- :mod:`certificates.credentials.multikey`: base58-btc multibase and Ed25519 Multikey;
- :mod:`certificates.credentials.did`: ``did:web`` identifiers of actors, their
  verification methods and DID documents;
- :mod:`certificates.credentials.dte`: UNTP Digital Traceability Event credentials
  of lot events, signed;
- :mod:`certificates.credentials.passport` / :mod:`~certificates.credentials.conformity`: a
  certificate as a UNTP Digital Product Passport, a statement as a Digital Conformity Credential
  (pure); :mod:`~certificates.credentials.issue` secures them twice (``eddsa-jcs-2022`` and
  :mod:`~certificates.credentials.jose`, VC-JOSE compact JWS);
- :mod:`certificates.credentials.actors`: DID documents of actors bound to their ``actor.*``
  entries, key resolvers from those entries or from DID documents;
- :mod:`certificates.credentials.verify`: ``check_credential`` / ``check_bundle`` — either form,
  offline, named checks;
- :mod:`certificates.credentials.errors`: ``CredentialError`` and its subclasses.
"""
