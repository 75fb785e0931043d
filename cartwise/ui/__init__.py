"""Front ends over :class:`~cartwise.runtime.Runtime`: the Gradio chat UI
(:mod:`~cartwise.ui.gradio_app`) and the Slack bot (:mod:`~cartwise.ui.slack`)."""
