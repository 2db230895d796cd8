//! Inputs as the command line names them: files, the files under a directory, standard input
//! and the embedded samples; each opened as a stream of bytes with compression and UTF-16
//! undone, and readable to a stop (Ctrl-C) as if it had ended there.
//!
//! Nothing here knows captures from logs: it hands [`crate::cli`] bytes and says what it undid
//! on the way ([`Opened::layers`]) and whether the bytes come as they are produced
//! ([`Opened::live`]), which decides how eagerly records are written.

use std::io::{self, Read};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

/// Set once the user asked the reading to stop (Ctrl-C, SIGTERM): every input then reads as
/// if it ended at that point.
static STOP: AtomicBool = AtomicBool::new(false);
/// How many stop signals came: the second quits at once.
static SIGNALS: AtomicUsize = AtomicUsize::new(0);

/// Whether a stop was asked for.
pub fn stopping() -> bool {
    STOP.load(Ordering::Relaxed)
}

/// Asks every input to end where it is (what the first Ctrl-C does).
pub fn stop() {
    STOP.store(true, Ordering::Relaxed);
}

/// Installs the Ctrl-C / SIGTERM / SIGHUP handler: the first signal calls [`stop`] and says so on
/// stderr; the second exits at once with status 130, writing nothing more.
pub fn handle_signals() {
    // Failing to install it (a handler already set by an embedding program) leaves the default.
    let _ = ctrlc::set_handler(|| {
        if SIGNALS.fetch_add(1, Ordering::SeqCst) == 0 {
            stop();
            eprintln!(
                "msnp-inspect: interrupted: writing what was read so far (again to quit at once)"
            );
        } else {
            std::process::exit(130);
        }
    });
}

/// What an input argument names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file (or anything `open` reads: a FIFO, a device).
    File(String),
    /// Standard input (`-`, or no argument when stdin is not a terminal).
    Stdin,
    /// The embedded sample numbered so in [`crate::cli::SAMPLES`].
    Sample(usize),
    /// A file under a directory that could not be listed: the reason.
    Unlisted(String),
    /// Live capture from this interface (`-i`, the `pcap` feature).
    Interface(String),
}

/// The inputs `arguments` name, in order: a directory stands for the files under it, found
/// recursively and each directory's entries sorted by name (ripgrep's habit), symbolic links
/// to directories not followed.
pub fn expand(arguments: &[String]) -> Vec<(String, Source)> {
    let mut out = Vec::new();
    for argument in arguments {
        if argument == "-" {
            out.push((argument.clone(), Source::Stdin));
        } else if Path::new(argument).is_dir() {
            walk(Path::new(argument), &mut out);
        } else {
            out.push((argument.clone(), Source::File(argument.clone())));
        }
    }
    out
}

/// A directory's files, depth first in name order.
fn walk(dir: &Path, out: &mut Vec<(String, Source)>) {
    let name = dir.to_string_lossy().into_owned();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            out.push((name, Source::Unlisted(e.to_string())));
            return;
        }
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if is_dir {
            walk(&path, out);
        } else {
            let name = path.to_string_lossy().into_owned();
            out.push((name.clone(), Source::File(name)));
        }
    }
}

/// An input opened: its bytes as they are to be read, and what was learnt on the way.
pub struct Opened {
    /// The bytes, compression and UTF-16 undone.
    pub reader: Box<dyn Read + Send>,
    /// What was undone, outermost first: `gzip`, `UTF-16LE`, …
    pub layers: Vec<&'static str>,
    /// Whether the bytes come as something produces them (a pipe, a terminal, a device) rather
    /// than from a file at rest: records are then written as soon as each is final.
    pub live: bool,
    /// The last read error's text, for the message that reports it (a capture reader keeps
    /// only that reading failed).
    pub error: ReadError,
    /// What the source says went wrong short of an error, for a warning once the input is read
    /// (a live capture's dropped packets).
    pub warning: ReadError,
}

/// The text of the last error a reader met, shared with whoever reports it.
pub type ReadError = Arc<Mutex<Option<String>>>;

/// Whether `file` holds bytes at rest (a regular file) rather than a stream that may block.
pub fn at_rest(file: &std::fs::File) -> bool {
    file.metadata().is_ok_and(|m| m.is_file())
}

/// Whether standard input is a regular file (`< capture.pcap`) rather than a pipe, a terminal
/// or a device.
pub fn stdin_at_rest() -> bool {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        io::stdin()
            .as_fd()
            .try_clone_to_owned()
            .is_ok_and(|fd| at_rest(&std::fs::File::from(fd)))
    }
    #[cfg(not(unix))]
    {
        false
    }
}

/// Opens `reader`: a live one is read on a thread of its own, so that a stop is seen even while
/// nothing arrives; compression is undone by its magic bytes (gzip, zstd, xz, bzip2, several
/// layers too), then a UTF-16 byte-order mark decodes the rest to UTF-8.
pub fn open(reader: Box<dyn Read + Send>, live: bool) -> io::Result<Opened> {
    let mut reader: Box<dyn Read + Send> = if live {
        Box::new(Pumped::new(reader))
    } else {
        reader
    };
    let mut layers = Vec::new();
    // Nested compression is rare, but a .gz of a .gz costs nothing to undo; a bound keeps a
    // hostile file from nesting forever.
    for _ in 0..4 {
        let mut head = [0u8; 6];
        let got = read_up_to(&mut reader, &mut head)?;
        let head = &head[..got];
        let rest = io::Cursor::new(head.to_vec()).chain(reader);
        let (next, layer): (Box<dyn Read + Send>, _) = match head {
            [0x1f, 0x8b, ..] => (
                Box::new(flate2::read::MultiGzDecoder::new(rest)),
                Some("gzip"),
            ),
            [0x28, 0xb5, 0x2f, 0xfd, ..] => (Box::new(zstd::stream::read::Decoder::new(rest)?), {
                Some("zstd")
            }),
            [0xfd, b'7', b'z', b'X', b'Z', 0x00] => (
                Box::new(liblzma::read::XzDecoder::new_multi_decoder(rest)),
                Some("xz"),
            ),
            [b'B', b'Z', b'h', b'1'..=b'9', ..] => (
                Box::new(bzip2::read::MultiBzDecoder::new(rest)),
                Some("bzip2"),
            ),
            [0xff, 0xfe, ..] | [0xfe, 0xff, ..] => {
                let utf16 = if head[0] == 0xff {
                    "UTF-16LE"
                } else {
                    "UTF-16BE"
                };
                let decoded = encoding_rs_io::DecodeReaderBytesBuilder::new()
                    .bom_sniffing(true)
                    .strip_bom(true)
                    .build(rest);
                layers.push(utf16);
                reader = Box::new(decoded);
                break;
            }
            _ => (Box::new(rest), None),
        };
        reader = next;
        match layer {
            Some(layer) => layers.push(layer),
            None => break,
        }
    }
    // Outermost, so that it keeps the text of a decompressor's error too.
    let error: ReadError = Arc::default();
    let reader = Box::new(Stoppable {
        inner: reader,
        error: Arc::clone(&error),
    });
    Ok(Opened {
        reader,
        layers,
        live,
        error,
        warning: Arc::default(),
    })
}

/// Reads until `buf` is full or the input ends; returns how much was read.
pub fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match reader.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// A reader that ends where a stop was asked for, retries reads a signal interrupted, and
/// keeps the text of the error that ended it.
struct Stoppable {
    inner: Box<dyn Read + Send>,
    error: ReadError,
}

impl Read for Stoppable {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if stopping() {
                return Ok(0);
            }
            match self.inner.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    if let Ok(mut last) = self.error.lock() {
                        *last = Some(e.to_string());
                    }
                    return Err(e);
                }
                Ok(n) => return Ok(n),
            }
        }
    }
}

/// How often a reader waiting for a live input looks whether a stop was asked for.
const STOP_POLL: Duration = Duration::from_millis(50);
/// The most a live input's thread reads at once.
const PUMP_CHUNK: usize = 64 * 1024;

/// A live input read on a thread of its own and handed over in chunks as they arrive, so that
/// the reading side can give up waiting (at a stop) while the thread sits in a read that may
/// never return. Memory: two chunks in flight and one being read.
struct Pumped {
    chunks: mpsc::Receiver<io::Result<Vec<u8>>>,
    current: Vec<u8>,
    at: usize,
    ended: bool,
}

impl Pumped {
    /// Chunks that another thread sends as they come.
    #[cfg(feature = "pcap")]
    fn from_chunks(chunks: mpsc::Receiver<io::Result<Vec<u8>>>) -> Self {
        Pumped {
            chunks,
            current: Vec::new(),
            at: 0,
            ended: false,
        }
    }

    fn new(mut reader: Box<dyn Read + Send>) -> Self {
        let (tx, chunks) = mpsc::sync_channel(2);
        std::thread::spawn(move || {
            loop {
                let mut chunk = vec![0u8; PUMP_CHUNK];
                let sent = match reader.read(&mut chunk) {
                    Ok(0) => break,
                    Ok(n) => {
                        chunk.truncate(n);
                        tx.send(Ok(chunk))
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        break;
                    }
                };
                if sent.is_err() {
                    break;
                }
            }
        });
        Pumped {
            chunks,
            current: Vec::new(),
            at: 0,
            ended: false,
        }
    }
}

impl Read for Pumped {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.current.len() {
            if self.ended || stopping() {
                return Ok(0);
            }
            match self.chunks.recv_timeout(STOP_POLL) {
                Ok(Ok(chunk)) => {
                    self.current = chunk;
                    self.at = 0;
                }
                Ok(Err(e)) => {
                    self.ended = true;
                    return Err(e);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => self.ended = true,
            }
        }
        let n = buf.len().min(self.current.len() - self.at);
        buf[..n].copy_from_slice(&self.current[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Packets captured live from the interface `device` (through libpcap), with the capture filter
/// `filter` (`tcp port 1863`), as the bytes of a pcap file: the rest of the tool reads them as
/// it reads `tcpdump -U -w -`. Capturing stops at a stop ([`stop`]).
///
/// Capturing needs the right to: root, or the capabilities `CAP_NET_RAW` and `CAP_NET_ADMIN`
/// on Linux (`setcap cap_net_raw,cap_net_admin=eip msnp-inspect`).
#[cfg(feature = "pcap")]
pub fn interface(device: &str, filter: Option<&str>) -> Result<Opened, String> {
    let denied = |e: pcap::Error| {
        let hint = match &e {
            pcap::Error::PcapError(text) if text.contains("ermission") => {
                " (capturing needs root, or CAP_NET_RAW and CAP_NET_ADMIN)"
            }
            _ => "",
        };
        format!("{device}: {e}{hint}")
    };
    // Not libpcap's immediate mode: on Linux it falls back to fixed frames of the snap length,
    // so a 2 MiB buffer held eight packets and a burst of a login lost some. With the default
    // mode packets are packed in blocks handed over at the timeout: 20 ms of latency at most,
    // and a burst of thousands of small packets fits.
    let mut capture = pcap::Capture::from_device(device)
        .map_err(denied)?
        .snaplen(262_144)
        .buffer_size(16 << 20)
        .timeout(20)
        .open()
        .map_err(denied)?;
    if let Some(filter) = filter {
        capture
            .filter(filter, true)
            .map_err(|e| format!("the capture filter {filter:?}: {e}"))?;
    }
    let link = capture.get_datalink().0 as u32;
    let drops: ReadError = Arc::default();
    let warning = Arc::clone(&drops);
    let (tx, chunks) = mpsc::sync_channel(64);
    // A pcap file header: magic (microseconds), version 2.4, no zone, the snap length, the
    // interface's link type.
    let mut header = Vec::with_capacity(24);
    header.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    header.extend_from_slice(&2u16.to_le_bytes());
    header.extend_from_slice(&4u16.to_le_bytes());
    header.extend_from_slice(&[0; 8]);
    header.extend_from_slice(&262_144u32.to_le_bytes());
    header.extend_from_slice(&link.to_le_bytes());
    let _ = tx.send(Ok(header));
    std::thread::spawn(move || {
        while !stopping() {
            let record = match capture.next_packet() {
                Ok(packet) => {
                    let h = packet.header;
                    let mut record = Vec::with_capacity(16 + packet.data.len());
                    // Seconds and microseconds as the pcap format has them (u32 each).
                    record.extend_from_slice(&(h.ts.tv_sec as u32).to_le_bytes());
                    record.extend_from_slice(&(h.ts.tv_usec as u32).to_le_bytes());
                    record.extend_from_slice(&(packet.data.len() as u32).to_le_bytes());
                    record.extend_from_slice(&h.len.to_le_bytes());
                    record.extend_from_slice(packet.data);
                    Ok(record)
                }
                Err(pcap::Error::TimeoutExpired) => {
                    note_drops(&mut capture, &drops);
                    continue;
                }
                Err(e) => Err(io::Error::other(format!("capturing: {e}"))),
            };
            let failed = record.is_err();
            if tx.send(record).is_err() || failed {
                break;
            }
        }
        note_drops(&mut capture, &drops);
    });
    let mut opened =
        open(Box::new(Pumped::from_chunks(chunks)), false).map_err(|e| format!("{device}: {e}"))?;
    opened.live = true;
    opened.warning = warning;
    Ok(opened)
}

/// Keeps libpcap's count of packets it dropped (its buffer full), for the warning at the end:
/// the records after a drop are read as after any loss (see the README's "Gaps").
#[cfg(feature = "pcap")]
fn note_drops(capture: &mut pcap::Capture<pcap::Active>, note: &ReadError) {
    if let (Ok(stats), Ok(mut note)) = (capture.stats(), note.lock()) {
        let dropped = u64::from(stats.dropped) + u64::from(stats.if_dropped);
        if dropped > 0 {
            *note = Some(format!(
                "the capture lost {dropped} of {} packets (libpcap: {} dropped for lack of \
                 room, {} by the interface)",
                u64::from(stats.received) + dropped,
                stats.dropped,
                stats.if_dropped
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn all(opened: Opened) -> (Vec<u8>, Vec<&'static str>) {
        let mut out = Vec::new();
        let mut reader = opened.reader;
        reader.read_to_end(&mut out).unwrap();
        (out, opened.layers)
    }

    fn opened(bytes: Vec<u8>) -> Opened {
        open(Box::new(io::Cursor::new(bytes)), false).unwrap()
    }

    #[test]
    fn every_compression_is_undone_by_its_magic() {
        let text = b"C: XFR 12 SB\r\n".repeat(1000);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&text).unwrap();
        let gz = gz.finish().unwrap();
        let zst = zstd::stream::encode_all(&text[..], 1).unwrap();
        let mut xz = liblzma::write::XzEncoder::new(Vec::new(), 1);
        xz.write_all(&text).unwrap();
        let xz = xz.finish().unwrap();
        let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
        bz.write_all(&text).unwrap();
        let bz = bz.finish().unwrap();
        for (bytes, layer) in [(&gz, "gzip"), (&zst, "zstd"), (&xz, "xz"), (&bz, "bzip2")] {
            assert_eq!(all(opened(bytes.clone())), (text.clone(), vec![layer]));
        }
        // Two layers, and two gzip members one after the other (what `cat a.gz b.gz` makes).
        let mut outer = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        outer.write_all(&xz).unwrap();
        let outer = outer.finish().unwrap();
        assert_eq!(all(opened(outer)), (text.clone(), vec!["gzip", "xz"]));
        let twice = [gz.clone(), gz].concat();
        assert_eq!(all(opened(twice)).0, [text.clone(), text].concat());
    }

    #[test]
    fn utf16_with_a_bom_is_read_as_utf8() {
        let text = "C: XFR 12 SB\r\n";
        let le: Vec<u8> = [0xff, 0xfe]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let be: Vec<u8> = [0xfe, 0xff]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(
            all(opened(le)),
            (text.as_bytes().to_vec(), vec!["UTF-16LE"])
        );
        assert_eq!(
            all(opened(be)),
            (text.as_bytes().to_vec(), vec!["UTF-16BE"])
        );
    }

    #[test]
    fn plain_bytes_and_short_inputs_pass_unchanged() {
        for bytes in [&b""[..], b"\x1f", b"BZ", b"hello, world\n"] {
            assert_eq!(all(opened(bytes.to_vec())), (bytes.to_vec(), vec![]));
        }
    }

    #[test]
    fn a_damaged_stream_is_a_read_error_with_its_text() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&[b'x'; 10_000]).unwrap();
        let mut gz = gz.finish().unwrap();
        let middle = gz.len() / 2;
        gz[middle..].fill(0xAA);
        let opened = opened(gz);
        let error = Arc::clone(&opened.error);
        let mut reader = opened.reader;
        let mut out = Vec::new();
        let e = reader.read_to_end(&mut out).unwrap_err();
        assert_eq!(error.lock().unwrap().as_deref(), Some(&*e.to_string()));
    }

    #[test]
    fn a_live_input_arrives_in_pieces_as_written() {
        let (rx, mut tx) = std::io::pipe().unwrap();
        let writer = std::thread::spawn(move || {
            tx.write_all(b"abcdef").unwrap();
            std::thread::sleep(Duration::from_millis(100));
            tx.write_all(b"gh").unwrap();
        });
        let opened = open(Box::new(rx), true).unwrap();
        let mut reader = opened.reader;
        let mut buf = [0u8; 64];
        // The first read returns what came (after the six bytes the magic check waited for),
        // without waiting for more.
        let n = reader.read(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"abcdef");
        let n = read_up_to(&mut reader, &mut buf).unwrap();
        assert_eq!(&buf[..n], b"gh");
        writer.join().unwrap();
    }
}
