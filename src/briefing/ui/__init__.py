"""The Gradio chat: ``app.py`` (layout and handlers), ``service.py`` (start-up and rebuilds),
``render.py`` (HTML), ``followup.py`` (the follow-up rule), ``uploads.py`` (safe uploads),
``assets/`` (CSS and JavaScript).  Import ``briefing.ui.app`` for the app itself: this
package does not import Gradio, so the renderers load fast.
"""

import os

# Read by Gradio: no usage statistics are sent from the chat.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
