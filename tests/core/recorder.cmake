# Tests for core/event_codec, core/recorder and core/journal (included from tests/core/CMakeLists.txt).
dmabot_test(NAME core_event_codec_test SRCS ${CMAKE_CURRENT_LIST_DIR}/event_codec_test.cpp DEPS dmabot::core LABELS unit)
dmabot_test(NAME core_recorder_test SRCS ${CMAKE_CURRENT_LIST_DIR}/recorder_test.cpp DEPS dmabot::core LABELS unit)
dmabot_test(NAME core_journal_test SRCS ${CMAKE_CURRENT_LIST_DIR}/journal_test.cpp DEPS dmabot::core LABELS unit)
dmabot_test(NAME core_input_sequence_test SRCS ${CMAKE_CURRENT_LIST_DIR}/input_sequence_test.cpp DEPS dmabot::core LABELS unit)
