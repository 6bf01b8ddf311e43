# Caddy with the consent gateway, built the way the official image
# documents adding modules. The RUN xcaddy line is the README's, and
# tests/install checks both stay identical and builds the same thing.
#
#   docker build -t caddy-consent .
#   docker run -p 80:80 -p 443:443 -v $PWD/Caddyfile:/etc/caddy/Caddyfile \
#     --env-file consent.env caddy-consent
#
# Pin a release with --with github.com/consentgate/caddy-consent@v0.1.0.
FROM caddy:2.11.9-builder AS builder

RUN xcaddy build --with github.com/consentgate/caddy-consent

FROM caddy:2.11.9

COPY --from=builder /usr/bin/caddy /usr/bin/caddy
