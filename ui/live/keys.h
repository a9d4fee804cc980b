/* Keys as the faces that a client draws itself see them
 * (qnn_gui_run_canvas, qnn_tui_run_canvas): the same codes in the window
 * and in the terminal, so one key handler serves both. A printable ASCII
 * character is its own code ('q', '?', 'j'); the other keys are below. */
#ifndef QNN_KEYS_H
#define QNN_KEYS_H

enum {
    QNN_KEY_UP = 0x1000, QNN_KEY_DOWN, QNN_KEY_LEFT, QNN_KEY_RIGHT,
    QNN_KEY_PGUP, QNN_KEY_PGDN, QNN_KEY_HOME, QNN_KEY_END,
    QNN_KEY_TAB, QNN_KEY_BTAB, QNN_KEY_ENTER, QNN_KEY_ESC, QNN_KEY_F1,
    QNN_KEY_BACKSPACE
};

/* Pointer events of the client-drawn faces: a left click, a wheel step. */
enum { QNN_POINTER_CLICK = 1, QNN_POINTER_WHEEL_UP = 4, QNN_POINTER_WHEEL_DOWN = 5 };

#endif
