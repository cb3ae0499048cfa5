//! SHA-256 throughput (1 KiB and 1 MiB) and HMAC-SHA256 of a 300-byte
//! message, the size of a typical JWT signing input.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use gatelite::crypto::{hmac_sha256, sha256};

fn bench_sha256(c: &mut Criterion) {
    let mut group = c.benchmark_group("sha256");
    for (name, len) in [("1KiB", 1024usize), ("1MiB", 1 << 20)] {
        let data = vec![0x5au8; len];
        group.throughput(Throughput::Bytes(len as u64));
        group.bench_function(name, |b| b.iter(|| sha256(black_box(&data))));
    }
    group.finish();
}

fn bench_hmac(c: &mut Criterion) {
    let key = [0x0bu8; 32];
    let msg = [0x61u8; 300];
    let mut group = c.benchmark_group("hmac_sha256");
    group.throughput(Throughput::Bytes(msg.len() as u64));
    group.bench_function("300B", |b| {
        b.iter(|| hmac_sha256(black_box(&key), black_box(&msg)))
    });
    group.finish();
}

criterion_group!(benches, bench_sha256, bench_hmac);
criterion_main!(benches);
