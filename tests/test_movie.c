/* Movies (issue 23): ui/base/movie encodes frames of a known pattern to
 * MP4 and GIF, and the files are decoded again here with libavformat and
 * libavcodec: frame count, size and the colour of a region in every
 * frame. Refusals leave nothing behind (no target, no temporary). The live
 * recording (ui/live/record.c) of a session's snapshots, and the movie of
 * a headless run (app/movie.c), decode with the frames they promise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <dirent.h>
#include <signal.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libswscale/swscale.h>

#include "../ui/base/movie.h"
#include "../app/movie.h"
#include "record.h"
#include "runner.h"

static int sanitized(void)
{
    const char *s = getenv("QNN_SANITIZED");
    return s && s[0] == '1';
}

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/qnnlab-movie-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static void rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
            chmod(p, 0755);
            rm_tree(p);
        } else
            unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static int teardown(void **state)
{
    (void)state;
    rm_tree(tmpdir);
    return 0;
}

/* The names in dir (not . and ..), sorted, joined by spaces. */
static void listing(const char *dir, char *out, size_t len)
{
    struct dirent **ents;
    int n = scandir(dir, &ents, NULL, alphasort);
    out[0] = 0;
    size_t off = 0;
    for (int i = 0; i < n; i++) {
        if (strcmp(ents[i]->d_name, ".") && strcmp(ents[i]->d_name, ".."))
            off += (size_t)snprintf(out + off, off < len ? len - off : 0, "%s%s", off ? " " : "", ents[i]->d_name);
        free(ents[i]);
    }
    if (n >= 0)
        free(ents);
}

/* ---- decoding ------------------------------------------------------- */

/* Called with each decoded frame k as RGB24. */
typedef void (*frame_check)(void *ctx, int k, const uint8_t *rgb, int stride, int w, int h);

typedef struct decoded {
    int frames, w, h;
    char codec[32];
} decoded;

/* Decodes every frame of path; assertions fail the test on any error. */
static decoded decode(const char *path, frame_check check, void *ctx)
{
    decoded d = {0, 0, 0, ""};
    AVFormatContext *fc = NULL;
    assert_int_equal(avformat_open_input(&fc, path, NULL, NULL), 0);
    assert_true(avformat_find_stream_info(fc, NULL) >= 0);
    int si = av_find_best_stream(fc, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    assert_true(si >= 0);
    const AVCodec *codec = avcodec_find_decoder(fc->streams[si]->codecpar->codec_id);
    assert_non_null(codec);
    snprintf(d.codec, sizeof d.codec, "%s", codec->name);
    AVCodecContext *cc = avcodec_alloc_context3(codec);
    assert_non_null(cc);
    assert_int_equal(avcodec_parameters_to_context(cc, fc->streams[si]->codecpar), 0);
    cc->thread_count = 1;
    assert_int_equal(avcodec_open2(cc, codec, NULL), 0);
    AVPacket *pkt = av_packet_alloc();
    AVFrame *fr = av_frame_alloc();
    struct SwsContext *sws = NULL;
    uint8_t *rgb = NULL;
    int draining = 0;
    for (;;) {
        if (!draining) {
            int rc = av_read_frame(fc, pkt);
            if (rc < 0) {
                draining = 1;
                assert_int_equal(avcodec_send_packet(cc, NULL), 0);
            } else {
                if (pkt->stream_index == si)
                    assert_int_equal(avcodec_send_packet(cc, pkt), 0);
                av_packet_unref(pkt);
            }
        }
        for (;;) {
            int rc = avcodec_receive_frame(cc, fr);
            if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF)
                break;
            assert_int_equal(rc, 0);
            if (!sws) {
                d.w = fr->width;
                d.h = fr->height;
                sws = sws_getContext(d.w, d.h, fr->format, d.w, d.h, AV_PIX_FMT_RGB24, SWS_POINT, NULL, NULL, NULL);
                assert_non_null(sws);
                if (fr->format == AV_PIX_FMT_YUV420P)   /* as the encoder tagged it */
                    sws_setColorspaceDetails(sws, sws_getCoefficients(SWS_CS_ITU709), 0,
                                             sws_getCoefficients(SWS_CS_ITU709), 1, 0, 1 << 16, 1 << 16);
                rgb = malloc((size_t)d.w * d.h * 3);
                assert_non_null(rgb);
            }
            assert_int_equal(fr->width, d.w);
            assert_int_equal(fr->height, d.h);
            uint8_t *dst[1] = {rgb};
            int dst_stride[1] = {3 * d.w};
            sws_scale(sws, (const uint8_t *const *)fr->data, fr->linesize, 0, d.h, dst, dst_stride);
            if (check)
                check(ctx, d.frames, rgb, 3 * d.w, d.w, d.h);
            d.frames++;
            av_frame_unref(fr);
        }
        if (draining) {
            if (avcodec_receive_frame(cc, fr) == AVERROR_EOF)
                break;
        }
    }
    free(rgb);
    sws_freeContext(sws);
    av_frame_free(&fr);
    av_packet_free(&pkt);
    avcodec_free_context(&cc);
    avformat_close_input(&fc);
    return d;
}

/* ---- the pattern ---------------------------------------------------- */

/* Frame k: white, a square whose colour cycles through three (the
 * second and third appear only after the first frame: a GIF palette made
 * from the first frame must still give them), and a fixed black bar. */
static const uint8_t pattern_rgb[3][3] = {{220, 40, 40}, {30, 90, 200}, {40, 160, 60}};
#define SQ_X 32
#define SQ_Y 32
#define SQ_S 96

static void draw_pattern(cairo_surface_t *sf, int k)
{
    const int w = cairo_image_surface_get_width(sf), h = cairo_image_surface_get_height(sf);
    cairo_t *cr = cairo_create(sf);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    const uint8_t *c = pattern_rgb[k % 3];
    cairo_set_source_rgb(cr, c[0] / 255.0, c[1] / 255.0, c[2] / 255.0);
    cairo_rectangle(cr, SQ_X, SQ_Y, SQ_S, SQ_S);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_rectangle(cr, w - 96, h - 64, 64, 32);
    cairo_fill(cr);
    /* a thin line moving with k: frames differ */
    cairo_set_line_width(cr, 2);
    cairo_move_to(cr, 0, 150 + 2 * (k % 40));
    cairo_line_to(cr, w, 150 + 2 * (k % 40));
    cairo_stroke(cr);
    cairo_destroy(cr);
}

/* The mean colour of the box (x, y, s, s). */
static void mean_rgb(const uint8_t *rgb, int stride, int x, int y, int s, double m[3])
{
    m[0] = m[1] = m[2] = 0;
    for (int j = y; j < y + s; j++)
        for (int i = x; i < x + s; i++)
            for (int c = 0; c < 3; c++)
                m[c] += rgb[(size_t)j * stride + 3 * i + c];
    for (int c = 0; c < 3; c++)
        m[c] /= (double)s * s;
}

typedef struct pattern_ctx {
    double tol;
    double worst;
} pattern_ctx;

static void check_pattern(void *ctx, int k, const uint8_t *rgb, int stride, int w, int h)
{
    pattern_ctx *pc = ctx;
    double m[3];
    /* the square's inside, away from its edges (chroma is 2 x 2 blocks) */
    mean_rgb(rgb, stride, SQ_X + 16, SQ_Y + 16, SQ_S - 32, m);
    for (int c = 0; c < 3; c++) {
        double e = fabs(m[c] - pattern_rgb[k % 3][c]);
        pc->worst = fmax(pc->worst, e);
        if (e > pc->tol)
            fail_msg("frame %d: channel %d of the square is %.1f, expected %d (tolerance %.0f)", k, c, m[c],
                     pattern_rgb[k % 3][c], pc->tol);
    }
    /* the black bar and the white background */
    mean_rgb(rgb, stride, w - 88, h - 56, 16, m);
    for (int c = 0; c < 3; c++)
        assert_true(m[c] < pc->tol);
    mean_rgb(rgb, stride, w - 40, 8, 24, m);
    for (int c = 0; c < 3; c++)
        assert_true(m[c] > 255 - pc->tol);
}

/* Encodes n pattern frames of w x h into name and checks the decoded file. */
static void round_trip_with(const char *name, int w, int h, int n, double tol, const char *codec, const char *encoder)
{
    char path[512], err[1024];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    struct stat st0;
    const long old_size = stat(path, &st0) == 0 ? (long)st0.st_size : -1L;
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    movie *m = movie_open_encoder(path, w, h, 30, encoder, err, sizeof err);
    if (!m)
        fail_msg("%s", err);
    if (encoder)
        assert_string_equal(movie_encoder(m), encoder);
    for (int k = 0; k < n; k++) {
        draw_pattern(sf, k);
        if (movie_frame_surface(m, sf, err, sizeof err) != 0)
            fail_msg("%s", err);
    }
    assert_int_equal(movie_frames(m), n);
    const char *enc = movie_encoder(m);
    assert_true(!strcmp(enc, "libx264") || !strcmp(enc, "mpeg4") || !strcmp(enc, "gif"));
    /* the target as it was until the close */
    struct stat st;
    assert_int_equal(stat(path, &st) == 0 ? (long)st.st_size : -1L, old_size);
    if (movie_close(m, err, sizeof err) != 0)
        fail_msg("%s", err);
    cairo_surface_destroy(sf);
    assert_int_equal(stat(path, &st), 0);
    pattern_ctx pc = {tol, 0};
    decoded d = decode(path, check_pattern, &pc);
    assert_int_equal(d.frames, n);
    assert_int_equal(d.w, (w + 1) & ~1);
    assert_int_equal(d.h, (h + 1) & ~1);
    /* h264 where libx264 is there, else mpeg4 */
    if (codec && strcmp(d.codec, codec) && !(strcmp(codec, "h264") == 0 && strcmp(d.codec, "mpeg4") == 0))
        fail_msg("%s decodes as %s, expected %s", name, d.codec, codec);
    char ls[1024];
    listing(tmpdir, ls, sizeof ls);
    assert_null(strstr(ls, ".tmp."));
    print_message("    %s: %d frames %d x %d, %s, %ld bytes, worst error %.1f\n", name, d.frames, d.w, d.h, d.codec,
                  (long)st.st_size, pc.worst);
}

static void round_trip(const char *name, int w, int h, int n, double tol, const char *codec)
{
    round_trip_with(name, w, h, n, tol, codec, NULL);
}

static void test_mp4(void **state)
{
    (void)state;
    round_trip("pattern.mp4", 320, 240, sanitized() ? 8 : 30, 12, "h264");
}

/* FFmpeg's own MPEG-4 encoder, where a libavcodec has no libx264. */
static void test_mp4_fallback(void **state)
{
    (void)state;
    round_trip_with("fallback.mp4", 320, 240, sanitized() ? 6 : 20, 12, "mpeg4", "mpeg4");
    char err[512], path[512];
    snprintf(path, sizeof path, "%s/none.mp4", tmpdir);
    assert_null(movie_open_encoder(path, 64, 64, 30, "vp9", err, sizeof err));
    assert_non_null(strstr(err, "allowed: libx264, mpeg4"));
}

static void test_gif(void **state)
{
    (void)state;
    round_trip("pattern.gif", 320, 240, sanitized() ? 6 : 20, 12, "gif");
}

/* Odd sizes are padded to even ones; the extension's case does not matter. */
static void test_odd_size(void **state)
{
    (void)state;
    round_trip("odd.MP4", 321, 241, 4, 12, "h264");
    assert_int_equal(movie_format_of("a/b.GiF"), MOVIE_GIF);
    assert_int_equal(movie_format_of("a/b.mp4"), MOVIE_MP4);
    assert_int_equal(movie_format_of("a.mp4/b"), -1);
    assert_int_equal(movie_format_of(".mp4"), -1);
    assert_int_equal(movie_format_of("b.mp44"), -1);
}

/* An existing regular file is replaced by the new movie. */
static void test_replace(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/old.mp4", tmpdir);
    FILE *f = fopen(path, "w");
    fputs("not a movie\n", f);
    fclose(f);
    round_trip("old.mp4", 256, 200, 3, 12, "h264");
}

/* Transparent pixels are composed over white (cairo's premultiplied
 * ARGB32), an RGB24 surface's fourth byte is ignored. */
typedef struct alpha_ctx { double bg[2][3], sq[2][3]; } alpha_ctx;

static void alpha_colours(void *ctx, int k, const uint8_t *rgb, int stride, int w, int h)
{
    alpha_ctx *a = ctx;
    (void)w; (void)h;
    if (k > 1)
        return;
    mean_rgb(rgb, stride, 4, 4, 8, a->bg[k]);
    mean_rgb(rgb, stride, 40, 40, 16, a->sq[k]);
}

static void test_alpha(void **state)
{
    (void)state;
    char path[512], err[1024];
    snprintf(path, sizeof path, "%s/alpha.gif", tmpdir);
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 64, 64);   /* all transparent */
    cairo_t *cr = cairo_create(sf);
    cairo_set_source_rgba(cr, 1, 0, 0, 0.5);
    cairo_rectangle(cr, 32, 32, 32, 32);
    cairo_fill(cr);
    cairo_destroy(cr);
    movie *m = movie_open(path, 64, 64, 10, err, sizeof err);
    assert_non_null(m);
    assert_int_equal(movie_frame_surface(m, sf, err, sizeof err), 0);
    cairo_surface_destroy(sf);
    /* RGB24 with 0 in the fourth byte: opaque all the same */
    sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 64, 64);
    cairo_surface_flush(sf);
    unsigned char *d = cairo_image_surface_get_data(sf);
    const int st = cairo_image_surface_get_stride(sf);
    for (int y = 0; y < 64; y++)
        for (int x = 0; x < 64; x++) {
            unsigned char *p = d + (size_t)y * st + 4 * x;
            p[0] = 200, p[1] = 100, p[2] = 50, p[3] = 0;   /* B G R x */
        }
    cairo_surface_mark_dirty(sf);
    assert_int_equal(movie_frame_surface(m, sf, err, sizeof err), 0);
    cairo_surface_destroy(sf);
    assert_int_equal(movie_close(m, err, sizeof err), 0);
    alpha_ctx a;
    memset(&a, 0, sizeof a);
    decoded dd = decode(path, alpha_colours, &a);
    assert_int_equal(dd.frames, 2);
    /* white behind nothing; half red over white */
    const double sq[3] = {255, 127.5, 127.5}, rgb24[3] = {50, 100, 200};
    for (int c = 0; c < 3; c++) {
        assert_true(fabs(a.bg[0][c] - 255) < 2);
        assert_true(fabs(a.sq[0][c] - sq[c]) < 3);
        assert_true(fabs(a.bg[1][c] - rgb24[c]) < 3);
    }
}

/* Refusals: one line naming the path; nothing created, no temporary. */
static void test_refusals(void **state)
{
    (void)state;
    char dir[512], path[600], err[1024], before[2048], after[2048];
    snprintf(dir, sizeof dir, "%s/refuse", tmpdir);
    assert_int_equal(mkdir(dir, 0755), 0);
    snprintf(path, sizeof path, "%s/taken.mp4", dir);
    assert_int_equal(mkdir(path, 0755), 0);   /* a directory as the target */
    listing(dir, before, sizeof before);

    snprintf(path, sizeof path, "%s/x.avi", dir);
    assert_null(movie_open(path, 64, 64, 30, err, sizeof err));
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, ".mp4 or .gif"));
    assert_null(strchr(err, '\n'));

    snprintf(path, sizeof path, "%s/taken.mp4", dir);
    assert_null(movie_open(path, 64, 64, 30, err, sizeof err));
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "a directory"));

    snprintf(path, sizeof path, "%s/nofolder/x.mp4", dir);
    assert_null(movie_open(path, 64, 64, 30, err, sizeof err));
    assert_non_null(strstr(err, "nofolder"));

    assert_null(movie_open("/proc/qnnlab-movie-test.gif", 64, 64, 30, err, sizeof err));
    assert_non_null(strstr(err, "/proc/"));

    snprintf(path, sizeof path, "%s/x.mp4", dir);
    assert_null(movie_open(path, 1, 64, 30, err, sizeof err));
    assert_null(movie_open(path, 64, 64, 0, err, sizeof err));

    /* aborted after frames; closed without frames */
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 64, 48);
    draw_pattern(sf, 0);
    movie *m = movie_open(path, 64, 48, 30, err, sizeof err);
    assert_non_null(m);
    char mid[2048];
    listing(dir, mid, sizeof mid);
    assert_non_null(strstr(mid, ".x.mp4.tmp."));   /* the temporary, hidden, beside it */
    assert_int_equal(movie_frame_surface(m, sf, err, sizeof err), 0);
    assert_int_equal(movie_frame_surface(m, sf, err, sizeof err), 0);
    /* a frame of another size is refused */
    assert_int_equal(movie_frame(m, cairo_image_surface_get_data(sf), 32, 48, 64 * 4, err, sizeof err), -1);
    assert_non_null(strstr(err, path));
    movie_abort(m);
    m = movie_open(path, 64, 48, 30, err, sizeof err);
    assert_non_null(m);
    assert_int_equal(movie_close(m, err, sizeof err), -1);
    assert_non_null(strstr(err, "no frames"));
    cairo_surface_destroy(sf);

    /* an unwritable folder (root writes anywhere: then /proc above) */
    if (geteuid() != 0) {
        char ro[600];
        snprintf(ro, sizeof ro, "%s/ro", dir);
        assert_int_equal(mkdir(ro, 0555), 0);
        snprintf(path, sizeof path, "%s/x.gif", ro);
        assert_null(movie_open(path, 64, 64, 30, err, sizeof err));
        assert_non_null(strstr(err, ro));
        assert_int_equal(qnn_movie_check_path(path, err, sizeof err), -1);
        char ls[256];
        listing(ro, ls, sizeof ls);
        assert_string_equal(ls, "");
        rmdir(ro);
    }

    /* the run's check before it computes */
    snprintf(path, sizeof path, "%s/x.avi", dir);
    assert_int_equal(qnn_movie_check_path(path, err, sizeof err), -1);
    assert_non_null(strstr(err, "--movie: value '"));
    assert_non_null(strstr(err, "allowed:"));
    snprintf(path, sizeof path, "%s/taken.mp4", dir);
    assert_int_equal(qnn_movie_check_path(path, err, sizeof err), -1);
    assert_non_null(strstr(err, "a directory"));
    snprintf(path, sizeof path, "%s/nofolder/x.mp4", dir);
    assert_int_equal(qnn_movie_check_path(path, err, sizeof err), -1);
    assert_non_null(strstr(err, "nofolder"));
    assert_int_equal(qnn_movie_check_path("/proc/qnnlab-movie-test.mp4", err, sizeof err), -1);
    assert_int_equal(qnn_movie_check_path("", err, sizeof err), -1);
    snprintf(path, sizeof path, "%s/fine.gif", dir);
    assert_int_equal(qnn_movie_check_path(path, err, sizeof err), 0);

    listing(dir, after, sizeof after);
    assert_string_equal(after, before);
}

/* ---- the live recording -------------------------------------------- */

static qnn_session *session(int R)
{
    static const char *const kv[] = {"model", "random", "n", "3", "L", "12", "seed", "5", NULL};
    qnn_params p;
    qnn_params_default(&p);
    char err[512];
    for (int i = 0; kv[i]; i += 2)
        if (qnn_params_set(&p, kv[i], kv[i + 1], err, sizeof err) != 0)
            fail_msg("%s", err);
    qnn_session_opts o;
    qnn_session_opts_default(&o);
    o.instances = R;
    o.playing = 0;
    qnn_session *s = qnn_session_new(&p, &o, err, sizeof err);
    if (!s)
        fail_msg("%s", err);
    return s;
}

/* Records n snapshots (each added once) and returns the file's path. */
static void record_n(live_ui *u, qnn_session *s, int n, char *path, size_t len)
{
    snprintf(path, len, "%s", live_record_path(u));
    for (int k = 0; k < n; k++) {
        assert_int_equal(qnn_session_advance(s, 2), 0);
        const qnn_snapshot *sn = qnn_session_acquire(s);
        assert_int_equal(live_record_frame(u, sn), 1);
        assert_int_equal(live_record_frame(u, sn), 0);   /* the same snapshot: no frame */
        qnn_snapshot_release(sn);
    }
    assert_int_equal(live_record_frames(u), n);
    /* the frames are drawn without the announcement; the line keeps it */
    assert_non_null(strstr(u->status, "recording"));
    assert_int_equal(live_record_stop(u), 0);
    assert_false(live_recording(u));
}

static void test_record(void **state)
{
    (void)state;
    qnn_session *s = session(3);
    live_ui u;
    live_ui_init(&u, s, "test", NULL);
    char dir[512], path[1200];
    snprintf(dir, sizeof dir, "%s/rec", tmpdir);
    assert_int_equal(mkdir(dir, 0755), 0);
    snprintf(u.export_root, sizeof u.export_root, "%s", dir);

    /* the dashboard, 20 snapshots; an odd width becomes even */
    const int n = 20;
    assert_false(live_recording(&u));
    assert_int_equal(live_record_start(&u, -1, 0, 641, 360, 1.0), 0);
    assert_true(live_recording(&u));
    assert_non_null(strstr(u.status, "recording"));
    assert_int_equal(live_record_start(&u, 0, 0, 640, 360, 1.0), -1);   /* one at a time */
    assert_non_null(strstr(u.status, "already recording"));
    record_n(&u, s, n, path, sizeof path);
    assert_non_null(strstr(u.status, "recorded "));
    char want[64];
    snprintf(want, sizeof want, ": %d frames, %.1f s", n, n / (double)LIVE_RECORD_FPS);
    assert_non_null(strstr(u.status, want));
    assert_non_null(strstr(path, "/qnnlab-"));
    assert_non_null(strstr(path, ".mp4"));
    decoded d = decode(path, NULL, NULL);
    assert_int_equal(d.frames, n);
    assert_int_equal(d.w, 640);
    assert_int_equal(d.h, 360);

    /* one panel, as a GIF */
    const int np = sanitized() ? 3 : 5;
    assert_int_equal(live_record_start(&u, 0, 1, 0, 0, 1.0), 0);
    record_n(&u, s, np, path, sizeof path);
    assert_non_null(strstr(path, ".gif"));
    d = decode(path, NULL, NULL);
    assert_int_equal(d.frames, np);
    assert_int_equal(d.w, LIVE_RECORD_PANEL_W);
    assert_int_equal(d.h, LIVE_RECORD_PANEL_H);

    /* cancelled: nothing kept; refused sizes and panels */
    char before[2048], after[2048];
    listing(dir, before, sizeof before);
    assert_int_equal(live_record_start(&u, 1, 0, 0, 0, 1.0), 0);
    const qnn_snapshot *sn = qnn_session_acquire(s);
    assert_int_equal(live_record_frame(&u, sn), 1);
    qnn_snapshot_release(sn);
    live_record_cancel(&u);
    assert_false(live_recording(&u));
    assert_int_equal(live_record_start(&u, -1, 0, 10, 10, 1.0), -1);
    assert_int_equal(live_record_start(&u, LIVE_NPANELS, 0, 0, 0, 1.0), -1);
    assert_int_equal(live_record_stop(&u), -1);
    /* an export folder that is gone */
    snprintf(u.export_root, sizeof u.export_root, "%s/gone", dir);
    assert_int_equal(live_record_start(&u, -1, 0, 640, 360, 1.0), -1);
    assert_true(u.status_error);
    assert_non_null(strstr(u.status, "gone"));
    listing(dir, after, sizeof after);
    assert_string_equal(after, before);

    live_circuit_free(&u);
    qnn_session_free(s);
}

/* ---- the headless run's movie ---------------------------------------- */

/* The longest instance's record count. */
static long records(const qnn_result *res)
{
    long n = 0;
    for (long p = 0; p < res->npoints; p++)
        for (int i = 0; i < res->points[p].run->ninst; i++)
            if ((long)res->points[p].run->inst[i].nrec > n)
                n = (long)res->points[p].run->inst[i].nrec;
    return n;
}

/* Colour in the first frame differs from the last: the figure grows. */
typedef struct grow_ctx {
    int n;
    double first_ink, last_ink;
} grow_ctx;

static void count_ink(void *ctx, int k, const uint8_t *rgb, int stride, int w, int h)
{
    grow_ctx *g = ctx;
    if (k != 0 && k != g->n - 1)
        return;
    long ink = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const uint8_t *p = rgb + (size_t)y * stride + 3 * x;
            /* coloured (not grey) pixels: the curves */
            int mx = p[0] > p[1] ? (p[0] > p[2] ? p[0] : p[2]) : (p[1] > p[2] ? p[1] : p[2]);
            int mn = p[0] < p[1] ? (p[0] < p[2] ? p[0] : p[2]) : (p[1] < p[2] ? p[1] : p[2]);
            ink += mx - mn > 60;
        }
    if (k == 0)
        g->first_ink = (double)ink;
    if (k == g->n - 1)
        g->last_ink = (double)ink;
}

static void run_movie_of(const char *steps, const char *name, long want_frames_max)
{
    char kv[2][64];
    snprintf(kv[0], sizeof kv[0], "steps=%s", steps);
    snprintf(kv[1], sizeof kv[1], "instances=3");
    const char *ov[2] = {kv[0], kv[1]};
    qnn_preset ps;
    qnn_result res;
    char err[1024];
    memset(&res, 0, sizeof res);
    if (qnn_result_prepare("default", ov, 2, &ps, &res, err, sizeof err) != QNN_EXIT_OK)
        fail_msg("%s", err);
    assert_int_equal(qnn_result_execute(&res, 1, NULL), QNN_EXIT_OK);
    char path[600];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    assert_int_equal(qnn_movie_check_path(path, err, sizeof err), 0);
    if (qnn_run_movie(&res, path, err, sizeof err) != 0)
        fail_msg("%s", err);
    long nrec = records(&res);
    long want = nrec < want_frames_max ? nrec : want_frames_max;
    grow_ctx g = {(int)want, 0, 0};
    decoded d = decode(path, count_ink, &g);
    assert_int_equal(d.frames, want);
    /* the figure's shape within 1280 x 720 */
    assert_true(d.w <= 1280 && d.h <= 720 && (d.w >= 1278 || d.h >= 718));
    /* the first frame holds the first record, the last all of them */
    assert_true(g.last_ink > 1.5 * g.first_ink);
    print_message("    %s: %ld records -> %d frames; ink %.0f -> %.0f\n", name, nrec, d.frames, g.first_ink, g.last_ink);
    qnn_result_release(&res);
}

static void test_run_movie(void **state)
{
    (void)state;
    /* fewer records than 150: one frame each */
    run_movie_of("40", "run.mp4", 150);
    /* more: 150 frames spread over the run */
    if (!sanitized())
        run_movie_of("400", "long.gif", 150);
}

/* A signal while the files are written (as `run` writes them) stops the
 * movie between frames: nothing left, no temporary. Last: the program
 * counts as interrupted from here on. */
static void test_run_movie_interrupted(void **state)
{
    (void)state;
    const char *ov[2] = {"steps=20", "instances=2"};
    qnn_preset ps;
    qnn_result res;
    char err[1024], dir[512], path[600], ls[1024];
    memset(&res, 0, sizeof res);
    if (qnn_result_prepare("default", ov, 2, &ps, &res, err, sizeof err) != QNN_EXIT_OK)
        fail_msg("%s", err);
    assert_int_equal(qnn_result_execute(&res, 1, NULL), QNN_EXIT_OK);   /* installs the handler */
    snprintf(dir, sizeof dir, "%s/intr", tmpdir);
    assert_int_equal(mkdir(dir, 0755), 0);
    snprintf(path, sizeof path, "%s/x.mp4", dir);
    qnn_result_writing(1);
    raise(SIGINT);
    assert_int_equal(qnn_result_interrupted(), 128 + SIGINT);
    assert_int_equal(qnn_run_movie(&res, path, err, sizeof err), -1);
    assert_non_null(strstr(err, "interrupted"));
    listing(dir, ls, sizeof ls);
    assert_string_equal(ls, "");
    qnn_result_release(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mp4),
        cmocka_unit_test(test_mp4_fallback),
        cmocka_unit_test(test_gif),
        cmocka_unit_test(test_odd_size),
        cmocka_unit_test(test_replace),
        cmocka_unit_test(test_alpha),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_record),
        cmocka_unit_test(test_run_movie),
        cmocka_unit_test(test_run_movie_interrupted),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
