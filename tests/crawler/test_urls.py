from __future__ import annotations

import pytest

from crawler.urls import canonical_url


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://Kupang.Tribunnews.com/2025/07/07/bpjs-ttu/", "https://kupang.tribunnews.com/2025/07/07/bpjs-ttu"),
        ("https://kupang.tribunnews.com/amp/2025/07/07/bpjs-ttu", "https://kupang.tribunnews.com/2025/07/07/bpjs-ttu"),
        ("https://kupang.tribunnews.com/2025/07/07/bpjs-ttu?utm_source=fb&utm_medium=x#komentar", "https://kupang.tribunnews.com/2025/07/07/bpjs-ttu"),
        ("https://kupang.antaranews.com/berita/123/judul?amp=1", "https://kupang.antaranews.com/berita/123/judul"),
        ("https://ekorantt.com/?p=1234&utm_campaign=a", "https://ekorantt.com/?p=1234"),
        ("https://x.test/index-news?page=2&date=2025-07-01", "https://x.test/index-news?date=2025-07-01&page=2"),
        ("http://x.test:80/", "http://x.test/"),
        ("http://127.0.0.1:8123/a/", "http://127.0.0.1:8123/a"),
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical
    assert canonical_url(canonical) == canonical
