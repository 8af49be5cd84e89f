<?php
// Signed zipstream links from a CMS written in PHP (7.4+, no extension beyond the default hash). See README "Links".
//
//   require 'zipstream_link.php';
//   $url = zipstream_link('https://example.org/files', '3bea29cc…', 'k1', getenv('ZIPSTREAM_SECRET'), 3600,
//                         'Фото — лето 2026', ['2024/summer/']);

function zipstream_link(string $base, string $hash, string $kid, string $secret, int $lifetime,
                        ?string $name = null, array $files = [], ?int $now = null): string
{
    $exp = ($now ?? time()) + $lifetime;
    // The string to sign: these lines joined by "\n", no newline at the end. The path is always /archive/<hash>/,
    // whatever prefix the site puts in front of it.
    $text = implode("\n", array_merge(['zipstream-1', '/archive/' . $hash . '/', (string) $exp, $name ?? ''],
                                      array_values($files)));
    $sig = rtrim(strtr(base64_encode(hash_hmac('sha256', $text, $secret, true)), '+/', '-_'), '=');
    $query = 'exp=' . $exp . '&kid=' . rawurlencode($kid) . '&sig=' . $sig;
    if ($name !== null) {
        $query .= '&name=' . rawurlencode($name);
    }
    // Not http_build_query: it would write f[0]=…&f[1]=…, and the server wants f repeated, in signed order.
    foreach ($files as $f) {
        $query .= '&f=' . rawurlencode($f);
    }
    return rtrim($base, '/') . '/archive/' . rawurlencode($hash) . '/?' . $query;
}

// php zipstream_link.php BASE HASH KID LIFETIME [NAME [FILE...]], secret from ZIPSTREAM_SECRET
if (PHP_SAPI === 'cli' && isset($argv) && realpath($argv[0]) === __FILE__) {
    echo zipstream_link($argv[1], $argv[2], $argv[3], getenv('ZIPSTREAM_SECRET'), (int) $argv[4],
                        $argv[5] ?? null, array_slice($argv, 6)), "\n";
}
