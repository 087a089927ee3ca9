"""Security headers on every page of the drive app."""

from urllib.parse import urlsplit

from django.conf import settings

CSP_PARTS = [
    "default-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "style-src 'self'",
    # hash-wasm computes SHA-1 for instant upload in WebAssembly.
    "script-src 'self' 'wasm-unsafe-eval'",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
]


def content_security_policy() -> str:
    parts = list(CSP_PARTS)
    if settings.DRIVE_UPLOAD_MODE == "direct":
        # Browsers PUT parts straight to the PDS's signed URLs.
        endpoint = urlsplit(settings.PDS_ENDPOINT)
        parts.append(f"connect-src 'self' {endpoint.scheme}://{endpoint.netloc}")
    return "; ".join(parts)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/v2/"):
            return response  # the PDS API sets its own
        response.setdefault("Content-Security-Policy", content_security_policy())
        response.setdefault("X-Content-Type-Options", "nosniff")
        response.setdefault("Referrer-Policy", settings.SECURE_REFERRER_POLICY)
        response.setdefault("X-Frame-Options", "DENY")
        return response
