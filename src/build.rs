//! Build script (`package.build` in Cargo.toml): compiles the C interface to WebRTC's audio
//! processing module (`src/media/voice_apm.cpp`) against the system library found with
//! pkg-config (Debian: `libwebrtc-audio-processing-dev`).

fn main() {
    println!("cargo:rerun-if-changed=src/media/voice_apm.cpp");
    let lib = match pkg_config::Config::new()
        .atleast_version("0.3")
        .probe("webrtc-audio-processing")
    {
        Ok(lib) => lib,
        Err(e) => {
            eprintln!(
                "webrtc-audio-processing was not found ({e}); install it with \
                 `packaging/setup.sh run` (Debian: libwebrtc-audio-processing-dev)"
            );
            std::process::exit(1);
        }
    };
    let mut build = cc::Build::new();
    build
        .cpp(true)
        .file("src/media/voice_apm.cpp")
        .std("c++14")
        .warnings(true);
    // The library's headers as system headers: their own warnings are not ours.
    for dir in &lib.include_paths {
        build.flag("-isystem").flag(dir.to_string_lossy().as_ref());
    }
    for (name, value) in &lib.defines {
        build.define(name, value.as_deref());
    }
    build.compile("handset_voice_apm");
}
