//! Gzip members, as `flate2::write::GzEncoder` writes them, from a compressor reused per thread.
//!
//! The index is tens of thousands of small members (a key's head, bits and positions, a block
//! of cards), most of them a few dozen bytes. A new encoder allocates and clears its window and
//! hash tables (~300 KB) for each, which cost more than compressing the bytes; a reset one
//! only clears its hash table. Same header (no name, mtime 0, OS 255), same deflate stream,
//! same trailer: the output is byte for byte what `GzEncoder` gives (tested).

use std::cell::RefCell;

use flate2::{Compress, Compression, Crc, FlushCompress, Status};

/// A raw-deflate compressor for each level (index 0 unused) and the output buffer
/// `GzEncoder` would use.
type Reused = ([Option<Compress>; 10], Vec<u8>);

thread_local! {
    /// One per thread, made on first use.
    static REUSED: RefCell<Reused> = const { RefCell::new(([const { None }; 10], Vec::new())) };
}

/// Output room per call, as `GzEncoder`'s buffer.
const CHUNK: usize = 32 * 1024;

/// `bytes` as one gzip member compressed at `level` (1–9). Level 0 (stored) is not offered:
/// its block boundaries follow the output buffer's size, so it would not match `GzEncoder`.
pub fn gzip_level(bytes: &[u8], level: u32) -> Vec<u8> {
    assert!((1..=9).contains(&level), "gzip level 1–9, not {level}");
    let mut out = Vec::with_capacity(bytes.len() / 2 + 64);
    out.extend_from_slice(&header(level));
    REUSED.with(|cell| {
        let (compressors, chunk) = &mut *cell.borrow_mut();
        chunk.reserve(CHUNK);
        let compress = compressors[level as usize]
            .get_or_insert_with(|| Compress::new(Compression::new(level), false));
        compress.reset();
        // Called as `GzEncoder` calls it: all the input without flushing, then `Finish`, each
        // call into an emptied 32 KB buffer. Where a block ends can depend on the room left
        // for output (level 1 closes blocks early), so the same calls give the same bytes.
        let mut run = |input: &[u8], flush| {
            chunk.clear();
            let before = compress.total_in();
            let status = compress
                .compress_vec(input, chunk, flush)
                .expect("deflating into a Vec cannot fail");
            out.extend_from_slice(chunk);
            (status, (compress.total_in() - before) as usize)
        };
        let mut done = 0;
        while done < bytes.len() {
            done += run(&bytes[done..], FlushCompress::None).1;
        }
        while run(&[], FlushCompress::Finish).0 != Status::StreamEnd {}
    });
    let mut crc = Crc::new();
    crc.update(bytes);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out
}

/// The 10-byte header `GzBuilder::new()` writes: no flags, mtime 0, the extra-flags byte by
/// level, OS 255 ("unknown", for reproducible output).
fn header(level: u32) -> [u8; 10] {
    let xfl = match level {
        9 => 2,
        1 => 4,
        _ => 0,
    };
    [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 255]
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};

    use flate2::{read::GzDecoder, write::GzEncoder};

    use super::*;

    fn encoder(bytes: &[u8], level: u32) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), Compression::new(level));
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    fn inputs() -> Vec<Vec<u8>> {
        let prose = "育休から復帰して、管理職になりました。"
            .repeat(3000)
            .into_bytes();
        // Pseudo-random bytes: deflate stores them, and the output outgrows any first guess.
        let mut noise = Vec::new();
        let mut x = 0x2545_f491_u32;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            noise.push(x as u8);
        }
        vec![Vec::new(), vec![7], b"[1,2,3]".to_vec(), prose, noise]
    }

    #[test]
    fn members_are_byte_identical_to_gz_encoders_at_every_level() {
        for level in 1..=9 {
            for bytes in inputs() {
                assert_eq!(
                    gzip_level(&bytes, level),
                    encoder(&bytes, level),
                    "level {level}, {} bytes",
                    bytes.len()
                );
            }
        }
    }

    #[test]
    fn a_reused_compressor_starts_every_member_afresh() {
        let inputs = inputs();
        for _ in 0..2 {
            for bytes in &inputs {
                let mut back = Vec::new();
                GzDecoder::new(&gzip_level(bytes, 6)[..])
                    .read_to_end(&mut back)
                    .unwrap();
                assert_eq!(&back, bytes);
            }
        }
    }
}
