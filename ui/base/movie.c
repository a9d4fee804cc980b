/* Movies of drawn frames through libavformat/libavcodec/libswscale
 * (contracts in movie.h), loaded with dlopen on the first movie_open. */
#include "movie.h"
#include "afile.h"

#include <ctype.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libavutil/macros.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>

/* ---- FFmpeg, loaded on first use ---------------------------------------
 * The program is not linked with FFmpeg's libraries: through them it would
 * load about a hundred more (x265, rav1e, librsvg, gnutls, ...) at every
 * start of every command, which costs time and address space (a run under
 * a small ulimit -v could not even start) for a feature used only when
 * recording. The first movie_open loads them with dlopen, by the sonames
 * of the headers compiled against (so the loaded ABI is the one the
 * structures here were laid out for), and looks up every function used
 * below into one table, lav. */

enum { LIB_AVUTIL, LIB_SWSCALE, LIB_AVCODEC, LIB_AVFORMAT, NLIB };

/* in load order: each after the ones it needs */
static const struct { const char *soname, *package; } libav_libs[NLIB] = {
    [LIB_AVUTIL] = {"libavutil.so." AV_STRINGIFY(LIBAVUTIL_VERSION_MAJOR),
                    "libavutil" AV_STRINGIFY(LIBAVUTIL_VERSION_MAJOR)},
    [LIB_SWSCALE] = {"libswscale.so." AV_STRINGIFY(LIBSWSCALE_VERSION_MAJOR),
                     "libswscale" AV_STRINGIFY(LIBSWSCALE_VERSION_MAJOR)},
    [LIB_AVCODEC] = {"libavcodec.so." AV_STRINGIFY(LIBAVCODEC_VERSION_MAJOR),
                     "libavcodec" AV_STRINGIFY(LIBAVCODEC_VERSION_MAJOR)},
    [LIB_AVFORMAT] = {"libavformat.so." AV_STRINGIFY(LIBAVFORMAT_VERSION_MAJOR),
                      "libavformat" AV_STRINGIFY(LIBAVFORMAT_VERSION_MAJOR)},
};

/* Every FFmpeg function this file calls, with the library that has it. */
#define LIBAV_FUNCTIONS(X)                                                                                          \
    X(AVUTIL, av_strerror) X(AVUTIL, av_log_set_level) X(AVUTIL, av_dict_set) X(AVUTIL, av_dict_free)                \
    X(AVUTIL, av_frame_alloc) X(AVUTIL, av_frame_free) X(AVUTIL, av_frame_get_buffer)                                \
    X(AVUTIL, av_frame_make_writable)                                                                               \
    X(SWSCALE, sws_getContext) X(SWSCALE, sws_freeContext) X(SWSCALE, sws_setColorspaceDetails)                      \
    X(SWSCALE, sws_getCoefficients) X(SWSCALE, sws_scale)                                                           \
    X(AVCODEC, avcodec_find_encoder_by_name) X(AVCODEC, avcodec_find_encoder) X(AVCODEC, avcodec_alloc_context3)      \
    X(AVCODEC, avcodec_free_context) X(AVCODEC, avcodec_open2) X(AVCODEC, avcodec_parameters_from_context)            \
    X(AVCODEC, avcodec_send_frame) X(AVCODEC, avcodec_receive_packet) X(AVCODEC, av_packet_alloc)                    \
    X(AVCODEC, av_packet_free) X(AVCODEC, av_packet_unref) X(AVCODEC, av_packet_rescale_ts)                         \
    X(AVFORMAT, avformat_alloc_output_context2) X(AVFORMAT, avformat_free_context) X(AVFORMAT, avformat_new_stream)   \
    X(AVFORMAT, avformat_write_header) X(AVFORMAT, av_interleaved_write_frame) X(AVFORMAT, av_write_trailer)          \
    X(AVFORMAT, avio_open) X(AVFORMAT, avio_closep)

/* The table: each pointer has the type of the header's declaration. */
struct libav_table {
#define LIBAV_FIELD(lib, f) __typeof__(f) *f;
    LIBAV_FUNCTIONS(LIBAV_FIELD)
#undef LIBAV_FIELD
};

static struct libav_table lav;          /* filled once by libav_load_once */
static int lav_ok;                      /* 1: every pointer in lav is set */
static char lav_err[512];               /* else: why not (one line) */
static pthread_once_t lav_once = PTHREAD_ONCE_INIT;

/* av_err2str is a macro over an inline function calling av_strerror
 * directly: routed to the loaded one. */
#undef av_err2str
#define av_err2str(code) libav_err_text((char[AV_ERROR_MAX_STRING_SIZE]){0}, (code))

static const char *libav_err_text(char *buf, int code)
{
    lav.av_strerror(code, buf, AV_ERROR_MAX_STRING_SIZE);
    return buf;
}

static void libav_load_once(void)
{
    static const struct { int lib; const char *name; size_t off; } fns[] = {
#define LIBAV_ENTRY(lib, f) {LIB_##lib, #f, offsetof(struct libav_table, f)},
        LIBAV_FUNCTIONS(LIBAV_ENTRY)
#undef LIBAV_ENTRY
    };
    void *h[NLIB] = {NULL};
    int l;
    for (l = 0; l < NLIB; l++) {
        dlerror();
        h[l] = dlopen(libav_libs[l].soname, RTLD_NOW | RTLD_LOCAL);
        if (!h[l])
            goto bad;
        for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
            if (fns[i].lib != l)
                continue;
            dlerror();
            void *p = dlsym(h[l], fns[i].name);
            if (!p)
                goto bad;
            memcpy((char *)&lav + fns[i].off, &p, sizeof p);   /* object to function pointer, as POSIX allows */
        }
    }
    lav_ok = 1;
    return;
bad:;
    const char *why = dlerror();
    snprintf(lav_err, sizeof lav_err, "recording needs %s (Debian package %s): %s", libav_libs[l].soname,
             libav_libs[l].package, why ? why : "not found");
    for (char *c = lav_err; *c; c++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';
    /* nothing half loaded stays behind */
    memset(&lav, 0, sizeof lav);
    for (int k = NLIB - 1; k >= 0; k--)
        if (h[k])
            dlclose(h[k]);
}

/* 0 once FFmpeg is loaded (the first call loads it), else -1 with the
 * reason in err. Safe from any thread. */
static int libav_load(const char *path, char *err, size_t errlen)
{
    pthread_once(&lav_once, libav_load_once);
    if (lav_ok)
        return 0;
    if (err && errlen)
        snprintf(err, errlen, "'%s': %s", path, lav_err);
    return -1;
}

#define GIF_BINS 32768      /* 5 bits per channel */
#define GIF_POPULAR 120     /* palette entries for the first frame's most frequent colours */
#define GIF_NEW_MIN 24      /* pixels of a later colour that earn it an entry */

typedef struct bin_count { uint32_t count; int bin; } bin_count;

struct movie {
    afile a;
    int fmt;
    int w, h;               /* the frames handed in */
    int W, H;               /* the encoded size (even) */
    int fps;
    long nframes;
    const char *encoder;
    AVFormatContext *oc;
    AVCodecContext *cc;
    AVStream *st;
    struct SwsContext *sws;
    AVFrame *frame;
    AVPacket *pkt;
    unsigned char *stage;   /* W x H B G R A, opaque, padded */
    uint32_t pal[256];      /* GIF: 0xAARRGGBB; entries never change */
    int npal;
    int16_t *lut;           /* GIF: 15-bit colour -> palette index, -1 unknown */
    uint32_t *cnt;          /* GIF: pixels per 15-bit colour */
    uint64_t *sum;          /* GIF: their R, G, B sums */
    bin_count *bc;          /* GIF: the colours by frequency */
};

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* "'PATH': WHAT: REASON" with libav's text for the error code. */
static int av_fail(const movie *m, int code, const char *what, char *err, size_t errlen)
{
    char buf[AV_ERROR_MAX_STRING_SIZE];
    lav.av_strerror(code, buf, sizeof buf);
    return fail(err, errlen, "'%s': %s: %s", m->a.path, what, buf);
}

int movie_format_of(const char *path)
{
    const char *dot = path ? strrchr(path, '.') : NULL;
    const char *slash = path ? strrchr(path, '/') : NULL;
    if (!dot || (slash && dot < slash) || dot == path || (slash && dot == slash + 1))
        return -1;
    char ext[4] = "";
    if (strlen(dot + 1) != 3)
        return -1;
    for (size_t i = 0; i < 3; i++)
        ext[i] = (char)tolower((unsigned char)dot[1 + i]);
    return !strcmp(ext, "mp4") ? MOVIE_MP4 : !strcmp(ext, "gif") ? MOVIE_GIF : -1;
}

static void release(movie *m)
{
    if (m->oc) {
        if (m->oc->pb)
            lav.avio_closep(&m->oc->pb);
        lav.avformat_free_context(m->oc);
    }
    lav.avcodec_free_context(&m->cc);
    lav.sws_freeContext(m->sws);
    lav.av_frame_free(&m->frame);
    lav.av_packet_free(&m->pkt);
    free(m->stage);
    free(m->lut);
    free(m->cnt);
    free(m->sum);
    free(m->bc);
    free(m);
}

void movie_abort(movie *m)
{
    if (!m)
        return;
    /* close the stream before the temporary goes */
    if (m->oc && m->oc->pb)
        lav.avio_closep(&m->oc->pb);
    afile_abort(&m->a);
    release(m);
}

/* The encoder's settings: sharp lines, small files. */
static int setup_codec(movie *m, const AVCodec *codec, AVDictionary **opts)
{
    AVCodecContext *cc = m->cc;
    cc->width = m->W;
    cc->height = m->H;
    cc->time_base = (AVRational){1, m->fps};
    cc->framerate = (AVRational){m->fps, 1};
    cc->sample_aspect_ratio = (AVRational){1, 1};
    if (m->fmt == MOVIE_GIF) {
        cc->pix_fmt = AV_PIX_FMT_PAL8;
        return 0;
    }
    cc->pix_fmt = AV_PIX_FMT_YUV420P;
    cc->gop_size = 5 * m->fps;      /* a key frame every 5 s: seekable on a slide */
    cc->color_range = AVCOL_RANGE_MPEG;
    cc->colorspace = AVCOL_SPC_BT709;
    cc->color_primaries = AVCOL_PRI_BT709;
    cc->color_trc = AVCOL_TRC_BT709;
    /* each encoder thread holds frames of its own: at most 4, so that the
     * memory does not grow with the machine's cores (about 150 MB at
     * 1280 x 720) */
    cc->thread_count = 4;
    if (!strcmp(codec->name, "libx264")) {
        /* flat colours and thin lines: the animation tuning at a
         * constant quality where antialiased lines stay clean */
        lav.av_dict_set(opts, "preset", "veryfast", 0);
        lav.av_dict_set(opts, "tune", "animation", 0);
        lav.av_dict_set(opts, "crf", "20", 0);
        lav.av_dict_set(opts, "profile", "high", 0);
    } else {
        /* MPEG-4 part 2: a fixed, fine quantiser; one thread (its slice
         * threads share the encoder's context without locks: a data race
         * ThreadSanitizer reports inside libavcodec) */
        cc->thread_count = 1;
        cc->flags |= AV_CODEC_FLAG_QSCALE;
        cc->global_quality = FF_QP2LAMBDA * 3;
        cc->max_b_frames = 0;
        lav.av_dict_set(opts, "mbd", "rd", 0);
    }
    if (m->oc->oformat->flags & AVFMT_GLOBALHEADER)
        cc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    return 0;
}

movie *movie_open(const char *path, int w, int h, int fps, char *err, size_t errlen)
{
    return movie_open_encoder(path, w, h, fps, NULL, err, errlen);
}

movie *movie_open_encoder(const char *path, int w, int h, int fps, const char *encoder, char *err, size_t errlen)
{
    int fmt = movie_format_of(path);
    if (fmt < 0) {
        fail(err, errlen, "'%s': the extension is not .mp4 or .gif", path ? path : "");
        return NULL;
    }
    if (w < 2 || h < 2 || w > 8192 || h > 8192) {
        fail(err, errlen, "'%s': frame size %d x %d; allowed: 2 .. 8192 pixels each", path, w, h);
        return NULL;
    }
    if (fps < 1 || fps > 120) {
        fail(err, errlen, "'%s': %d frames per second; allowed: 1 .. 120", path, fps);
        return NULL;
    }
    if (libav_load(path, err, errlen) < 0)
        return NULL;
    /* the messages are ours, one line each: libav's own log stays quiet */
    lav.av_log_set_level(AV_LOG_QUIET);
    const AVCodec *codec = NULL;
    if (fmt == MOVIE_MP4 && encoder) {
        if (strcmp(encoder, "libx264") && strcmp(encoder, "mpeg4")) {
            fail(err, errlen, "'%s': encoder '%s'; allowed: libx264, mpeg4", path, encoder);
            return NULL;
        }
        codec = lav.avcodec_find_encoder_by_name(encoder);
        if (!codec) {
            fail(err, errlen, "'%s': this libavcodec has no %s encoder", path, encoder);
            return NULL;
        }
    } else if (fmt == MOVIE_MP4) {
        codec = lav.avcodec_find_encoder_by_name("libx264");
        if (!codec)
            codec = lav.avcodec_find_encoder(AV_CODEC_ID_MPEG4);
    } else
        codec = lav.avcodec_find_encoder(AV_CODEC_ID_GIF);
    if (!codec) {
        fail(err, errlen, "'%s': this libavcodec has no %s encoder", path, fmt == MOVIE_MP4 ? "H.264 or MPEG-4" : "GIF");
        return NULL;
    }
    movie *m = calloc(1, sizeof *m);
    if (!m) {
        fail(err, errlen, "'%s': out of memory", path);
        return NULL;
    }
    m->fmt = fmt;
    m->w = w;
    m->h = h;
    m->W = (w + 1) & ~1;
    m->H = (h + 1) & ~1;
    m->fps = fps;
    m->encoder = codec->name;
    if (afile_reserve(&m->a, path, err, errlen) != AFILE_OK) {
        release(m);
        return NULL;
    }
    AVDictionary *opts = NULL, *mux = NULL;
    int rc = lav.avformat_alloc_output_context2(&m->oc, NULL, fmt == MOVIE_MP4 ? "mp4" : "gif", m->a.tmp);
    if (rc < 0 || !m->oc) {
        av_fail(m, rc < 0 ? rc : AVERROR(ENOMEM), "cannot set up the muxer", err, errlen);
        goto bad;
    }
    m->st = lav.avformat_new_stream(m->oc, NULL);
    m->cc = lav.avcodec_alloc_context3(codec);
    m->frame = lav.av_frame_alloc();
    m->pkt = lav.av_packet_alloc();
    m->stage = malloc((size_t)m->W * (size_t)m->H * 4);
    if (fmt == MOVIE_GIF) {
        m->lut = malloc(GIF_BINS * sizeof *m->lut);
        m->cnt = malloc(GIF_BINS * sizeof *m->cnt);
        m->sum = malloc(GIF_BINS * 3 * sizeof *m->sum);
        m->bc = malloc(GIF_BINS * sizeof *m->bc);
    }
    if (!m->st || !m->cc || !m->frame || !m->pkt || !m->stage ||
        (fmt == MOVIE_GIF && (!m->lut || !m->cnt || !m->sum || !m->bc))) {
        fail(err, errlen, "'%s': out of memory", path);
        goto bad;
    }
    setup_codec(m, codec, &opts);
    rc = lav.avcodec_open2(m->cc, codec, &opts);
    lav.av_dict_free(&opts);
    if (rc < 0) {
        av_fail(m, rc, m->encoder, err, errlen);
        goto bad;
    }
    rc = lav.avcodec_parameters_from_context(m->st->codecpar, m->cc);
    if (rc < 0) {
        av_fail(m, rc, "cannot set up the stream", err, errlen);
        goto bad;
    }
    m->st->time_base = m->cc->time_base;
    m->st->avg_frame_rate = m->cc->framerate;
    m->frame->format = m->cc->pix_fmt;
    m->frame->width = m->W;
    m->frame->height = m->H;
    rc = lav.av_frame_get_buffer(m->frame, 0);
    if (rc < 0) {
        av_fail(m, rc, "cannot allocate a frame", err, errlen);
        goto bad;
    }
    if (fmt == MOVIE_MP4) {
        m->sws = lav.sws_getContext(m->W, m->H, AV_PIX_FMT_BGRA, m->W, m->H, AV_PIX_FMT_YUV420P,
                                SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INP, NULL, NULL, NULL);
        if (!m->sws) {
            fail(err, errlen, "'%s': cannot set up the colour conversion (swscale)", path);
            goto bad;
        }
        /* full-range RGB to limited-range BT.709, as tagged */
        lav.sws_setColorspaceDetails(m->sws, lav.sws_getCoefficients(SWS_CS_ITU709), 1, lav.sws_getCoefficients(SWS_CS_ITU709), 0,
                                 0, 1 << 16, 1 << 16);
    }
    rc = lav.avio_open(&m->oc->pb, m->a.tmp, AVIO_FLAG_WRITE);
    if (rc < 0) {
        fail(err, errlen, "'%s': cannot open the temporary '%s': %s", path, m->a.tmp, av_err2str(rc));
        goto bad;
    }
    if (fmt == MOVIE_MP4)
        lav.av_dict_set(&mux, "movflags", "+faststart", 0);   /* playable while it downloads */
    rc = lav.avformat_write_header(m->oc, &mux);
    lav.av_dict_free(&mux);
    if (rc < 0) {
        av_fail(m, rc, "cannot write the header", err, errlen);
        goto bad;
    }
    return m;
bad:
    lav.av_dict_free(&opts);
    movie_abort(m);
    return NULL;
}

/* Writes every packet the encoder has ready. 0, or a negative AVERROR. */
static int drain(movie *m)
{
    for (;;) {
        int rc = lav.avcodec_receive_packet(m->cc, m->pkt);
        if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF)
            return 0;
        if (rc < 0)
            return rc;
        lav.av_packet_rescale_ts(m->pkt, m->cc->time_base, m->st->time_base);
        m->pkt->stream_index = m->st->index;
        rc = lav.av_interleaved_write_frame(m->oc, m->pkt);
        lav.av_packet_unref(m->pkt);
        if (rc < 0)
            return rc;
    }
}

/* ---- GIF: one growing palette ------------------------------------------ */

static int bin_of(int r, int g, int b) { return (r >> 3) << 10 | (g >> 3) << 5 | (b >> 3); }

static int by_count(const void *a, const void *b)
{
    const bin_count *x = a, *y = b;
    return x->count != y->count ? (x->count < y->count ? 1 : -1) : x->bin - y->bin;
}

static int bin_of_entry(uint32_t c) { return bin_of((int)(c >> 16 & 255), (int)(c >> 8 & 255), (int)(c & 255)); }

/* The palette grows and never changes an entry: an index means the same
 * colour in every frame, so the encoder may compare a frame with the one
 * before by index (it sends only what changed, and changed pixels only).
 * The first frame gives its most frequent colours exactly (the
 * background, the text, the curves' own colours: each the mean of its
 * 15-bit bin), then a 4 x 6 x 4 colour cube for the rare ones
 * (antialiased edges); later frames add the frequent colours they bring
 * (a new curve) while entries are free. */
static void gif_palette(movie *m)
{
    const size_t npx = (size_t)m->W * m->H;
    uint32_t *cnt = m->cnt;
    uint64_t *sum = m->sum;
    memset(cnt, 0, GIF_BINS * sizeof *cnt);
    memset(sum, 0, GIF_BINS * 3 * sizeof *sum);
    for (size_t i = 0; i < npx; i++) {
        const unsigned char *p = m->stage + 4 * i;
        int k = bin_of(p[2], p[1], p[0]);
        cnt[k]++;
        sum[3 * k] += p[2];
        sum[3 * k + 1] += p[1];
        sum[3 * k + 2] += p[0];
    }
    const int first = m->nframes == 0;
    if (first) {
        m->npal = 0;
        for (int k = 0; k < GIF_BINS; k++)
            m->lut[k] = -1;
    }
    /* the bins frequent enough to deserve an entry of their own, most
     * frequent first */
    const uint32_t min_count = first ? 1 : GIF_NEW_MIN;
    int nb = 0;
    for (int k = 0; k < GIF_BINS; k++)
        if (cnt[k] >= min_count && !(m->lut[k] >= 0 && bin_of_entry(m->pal[m->lut[k]]) == k))
            m->bc[nb++] = (bin_count){cnt[k], k};
    qsort(m->bc, (size_t)nb, sizeof *m->bc, by_count);
    const int room = first ? GIF_POPULAR : 256;
    int added = 0;
    for (int i = 0; i < nb && m->npal < room; i++) {
        const int b = m->bc[i].bin;
        const uint64_t c = cnt[b];
        m->pal[m->npal] = 0xff000000u | (uint32_t)((sum[3 * b] + c / 2) / c) << 16 |
                          (uint32_t)((sum[3 * b + 1] + c / 2) / c) << 8 | (uint32_t)((sum[3 * b + 2] + c / 2) / c);
        m->lut[b] = (int16_t)m->npal++;
        added++;
    }
    if (first) {
        for (int r = 0; r < 4; r++)
            for (int g = 0; g < 6; g++)
                for (int b = 0; b < 4; b++)
                    m->pal[m->npal++] = 0xff000000u | (uint32_t)(r * 85) << 16 | (uint32_t)(g * 51) << 8 |
                                        (uint32_t)(b * 85);
        for (int i = m->npal; i < 256; i++)
            m->pal[i] = 0xff000000u;
    } else if (added) {
        /* the nearest entries are looked up again: a new one may be nearer */
        for (int k = 0; k < GIF_BINS; k++)
            if (m->lut[k] >= 0 && bin_of_entry(m->pal[m->lut[k]]) != k)
                m->lut[k] = -1;
    }
}

/* The palette entry nearest to the centre of 15-bit bin k (distances
 * weighted 2 : 4 : 3, roughly as the eye weighs red, green and blue). */
static int gif_nearest(const movie *m, int k)
{
    const int r = ((k >> 10) & 31) << 3 | 4, g = ((k >> 5) & 31) << 3 | 4, b = (k & 31) << 3 | 4;
    long best = -1;
    int bi = 0;
    for (int i = 0; i < m->npal; i++) {
        const uint32_t c = m->pal[i];
        const long dr = (long)((c >> 16) & 255) - r, dg = (long)((c >> 8) & 255) - g, db = (long)(c & 255) - b;
        const long d = 2 * dr * dr + 4 * dg * dg + 3 * db * db;
        if (best < 0 || d < best) {
            best = d;
            bi = i;
        }
    }
    return bi;
}

static void gif_quantise(movie *m)
{
    gif_palette(m);
    memcpy(m->frame->data[1], m->pal, sizeof m->pal);
    for (int y = 0; y < m->H; y++) {
        const unsigned char *s = m->stage + (size_t)y * m->W * 4;
        uint8_t *d = m->frame->data[0] + (size_t)y * m->frame->linesize[0];
        for (int x = 0; x < m->W; x++, s += 4) {
            const int k = bin_of(s[2], s[1], s[0]);
            if (m->lut[k] < 0)
                m->lut[k] = (int16_t)gif_nearest(m, k);
            d[x] = (uint8_t)m->lut[k];
        }
    }
}

/* ---- frames ------------------------------------------------------------- */

/* Copies the frame into the staging buffer: alpha composed over white,
 * an odd last column or row repeated. */
static void stage(movie *m, const unsigned char *src, int stride, int opaque)
{
    for (int y = 0; y < m->H; y++) {
        const unsigned char *s = src + (size_t)(y < m->h ? y : m->h - 1) * (size_t)stride;
        unsigned char *d = m->stage + (size_t)y * m->W * 4;
        for (int x = 0; x < m->W; x++) {
            const unsigned char *p = s + 4 * (size_t)(x < m->w ? x : m->w - 1);
            const int a = opaque ? 255 : p[3];
            d[4 * x] = (unsigned char)(p[0] + 255 - a > 255 ? 255 : p[0] + 255 - a);
            d[4 * x + 1] = (unsigned char)(p[1] + 255 - a > 255 ? 255 : p[1] + 255 - a);
            d[4 * x + 2] = (unsigned char)(p[2] + 255 - a > 255 ? 255 : p[2] + 255 - a);
            d[4 * x + 3] = 255;
        }
    }
}

/* movie_frame; opaque: the fourth byte is not alpha (cairo's RGB24). */
static int put_frame(movie *m, const unsigned char *bgra, int w, int h, int stride, int opaque, char *err,
                     size_t errlen)
{
    if (!m || !bgra)
        return fail(err, errlen, "movie: no movie or no frame");
    if (w != m->w || h != m->h || stride < 4 * w)
        return fail(err, errlen, "'%s': a frame of %d x %d pixels (stride %d) in a movie of %d x %d", m->a.path, w, h,
                    stride, m->w, m->h);
    int rc = lav.av_frame_make_writable(m->frame);
    if (rc < 0)
        return av_fail(m, rc, "cannot allocate a frame", err, errlen);
    stage(m, bgra, stride, opaque);
    if (m->fmt == MOVIE_GIF)
        gif_quantise(m);
    else {
        const uint8_t *const src[1] = {m->stage};
        const int sst[1] = {m->W * 4};
        lav.sws_scale(m->sws, src, sst, 0, m->H, m->frame->data, m->frame->linesize);
    }
    m->frame->pts = m->nframes;
    rc = lav.avcodec_send_frame(m->cc, m->frame);
    if (rc < 0)
        return av_fail(m, rc, "cannot encode a frame", err, errlen);
    m->nframes++;
    rc = drain(m);
    if (rc < 0)
        return av_fail(m, rc, "cannot write a frame", err, errlen);
    return 0;
}

int movie_frame(movie *m, const unsigned char *bgra, int w, int h, int stride, char *err, size_t errlen)
{
    return put_frame(m, bgra, w, h, stride, 0, err, errlen);
}

int movie_frame_surface(movie *m, cairo_surface_t *sf, char *err, size_t errlen)
{
    if (!sf || cairo_surface_status(sf) != CAIRO_STATUS_SUCCESS ||
        cairo_surface_get_type(sf) != CAIRO_SURFACE_TYPE_IMAGE)
        return fail(err, errlen, "'%s': the frame is not a valid image surface", m ? m->a.path : "");
    cairo_format_t f = cairo_image_surface_get_format(sf);
    if (f != CAIRO_FORMAT_ARGB32 && f != CAIRO_FORMAT_RGB24)
        return fail(err, errlen, "'%s': the frame is not an ARGB32 or RGB24 surface", m ? m->a.path : "");
    cairo_surface_flush(sf);
    return put_frame(m, cairo_image_surface_get_data(sf), cairo_image_surface_get_width(sf),
                     cairo_image_surface_get_height(sf), cairo_image_surface_get_stride(sf), f == CAIRO_FORMAT_RGB24, err,
                     errlen);
}

int movie_close(movie *m, char *err, size_t errlen)
{
    if (!m)
        return fail(err, errlen, "movie: no movie");
    if (m->nframes == 0) {
        fail(err, errlen, "'%s': no frames were recorded; nothing written", m->a.path);
        movie_abort(m);
        return -1;
    }
    int rc = lav.avcodec_send_frame(m->cc, NULL);
    if (rc >= 0)
        rc = drain(m);
    if (rc < 0) {
        av_fail(m, rc, "cannot flush the encoder", err, errlen);
        movie_abort(m);
        return -1;
    }
    rc = lav.av_write_trailer(m->oc);
    if (rc >= 0 && m->oc->pb->error < 0)
        rc = m->oc->pb->error;
    if (rc < 0) {
        av_fail(m, rc, "cannot write the trailer", err, errlen);
        movie_abort(m);
        return -1;
    }
    rc = lav.avio_closep(&m->oc->pb);
    if (rc < 0) {
        av_fail(m, rc, "cannot close the file", err, errlen);
        movie_abort(m);
        return -1;
    }
    rc = afile_commit(&m->a, err, errlen) == AFILE_OK ? 0 : -1;
    release(m);
    return rc;
}

long movie_frames(const movie *m) { return m ? m->nframes : 0; }
int movie_width(const movie *m) { return m ? m->W : 0; }
int movie_height(const movie *m) { return m ? m->H : 0; }
const char *movie_encoder(const movie *m) { return m ? m->encoder : ""; }
