"""The SMTP gateway: every outbound message passes through, is scanned, decided and acted on.

- `protocol`: aiosmtpd's SMTP with a strict, chunked DATA reader (`datapath`).
- `handler`: the session rules (client networks, limits) and the hand-off to `relay`.
- `relay`: one message: scan (`scanning`, a process pool), decide, deliver, hold or refuse.
- `config`: the policy bundle that SIGHUP reloads; `holding`: where held messages go.
- `metrics`, `health`, `logs`: operations. `server`: assembles it all from `dlp.settings`.
"""
