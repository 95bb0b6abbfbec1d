"""The secure pickup portal (issue 23): encrypted delivery to people without a certificate.

A copy the policy encrypts, for a recipient the district holds no certificate for, is sealed in
the quarantine's store (status ``pickup``) by `deposit`; the recipient gets a short notice
(`notice`) with a link to the portal (`app`, served by ``dlp portal`` on a listener of its own),
asks for a one-time code sent to the same address, then reads the message, downloads its
attachments and can reply to the sender (`service`). Links, codes and sessions live in the
quarantine's database (`links`), hashed, so gateways sharing one PostgreSQL quarantine serve
each other's pickups.
"""
