// A C interface to WebRTC's AudioProcessing module as Debian and most distributions ship it
// (PulseAudio's packaging, `libwebrtc-audio-processing` 0.3), for `src/media/voice.rs`: the
// adaptive echo canceller with the extended filter and delay-agnostic mode (it finds and follows
// the echo's delay itself), and noise suppression after a high-pass filter. One call processes one
// 10 ms chunk of mono 16-bit audio at 8, 16, 32 or 48 kHz.

#include <cstdint>
#include <cstring>
#include <new>

#include <webrtc/modules/audio_processing/include/audio_processing.h>
#include <webrtc/modules/interface/module_common_types.h>

namespace {

struct Apm {
    webrtc::AudioProcessing* apm = nullptr;
    bool echo = false;
    int samples = 0;
    webrtc::AudioFrame near_end;
    webrtc::AudioFrame far_end;
};

void shape(webrtc::AudioFrame& frame, int rate, int samples) {
    frame.sample_rate_hz_ = rate;
    frame.num_channels_ = 1;
    frame.samples_per_channel_ = samples;
}

}  // namespace

extern "C" {

// A processor for `rate` Hz, or null when the rate is not supported or it cannot be made.
void* handset_apm_new(int rate, int echo, int noise) {
    if (rate != 8000 && rate != 16000 && rate != 32000 && rate != 48000) {
        return nullptr;
    }
    Apm* st = new (std::nothrow) Apm;
    if (st == nullptr) {
        return nullptr;
    }
    webrtc::Config config;
    config.Set<webrtc::ExtendedFilter>(new webrtc::ExtendedFilter(true));
    config.Set<webrtc::DelayAgnostic>(new webrtc::DelayAgnostic(true));
    st->apm = webrtc::AudioProcessing::Create(config);
    if (st->apm == nullptr) {
        delete st;
        return nullptr;
    }
    st->echo = echo != 0;
    st->samples = rate / 100;
    shape(st->near_end, rate, st->samples);
    shape(st->far_end, rate, st->samples);
    // The 16-bit interface wants the same rate both ways, set before the first chunk.
    bool ok = st->apm->Initialize(rate, rate, rate, webrtc::AudioProcessing::kMono,
                                  webrtc::AudioProcessing::kMono,
                                  webrtc::AudioProcessing::kMono) == 0;
    if (st->echo) {
        webrtc::EchoCancellation* ec = st->apm->echo_cancellation();
        ok = ok && ec->enable_drift_compensation(false) == 0 &&
             ec->set_suppression_level(webrtc::EchoCancellation::kHighSuppression) == 0 &&
             ec->Enable(true) == 0;
    }
    if (noise != 0) {
        webrtc::NoiseSuppression* ns = st->apm->noise_suppression();
        ok = ok && ns->set_level(webrtc::NoiseSuppression::kHigh) == 0 && ns->Enable(true) == 0 &&
             st->apm->high_pass_filter()->Enable(true) == 0;
    }
    if (!ok) {
        delete st->apm;
        delete st;
        return nullptr;
    }
    return st;
}

// Processes one 10 ms chunk of the microphone in place; `far` is what was played at the same
// time. Returns 0, or the library's error code (the chunk is then left as it was).
int handset_apm_process(void* state, int16_t* mic, const int16_t* far) {
    Apm* st = static_cast<Apm*>(state);
    const size_t bytes = sizeof(int16_t) * static_cast<size_t>(st->samples);
    if (st->echo) {
        shape(st->far_end, st->far_end.sample_rate_hz_, st->samples);
        std::memcpy(st->far_end.data_, far, bytes);
        int err = st->apm->ProcessReverseStream(&st->far_end);
        if (err != 0) {
            return err;
        }
        // The reference is already aligned with the microphone; the canceller finds the rest.
        st->apm->set_stream_delay_ms(0);
    }
    shape(st->near_end, st->near_end.sample_rate_hz_, st->samples);
    std::memcpy(st->near_end.data_, mic, bytes);
    int err = st->apm->ProcessStream(&st->near_end);
    if (err == 0) {
        std::memcpy(mic, st->near_end.data_, bytes);
    }
    return err;
}

void handset_apm_free(void* state) {
    Apm* st = static_cast<Apm*>(state);
    delete st->apm;
    delete st;
}

}  // extern "C"
