"""Run week 20: `python -m week20_genai_multimodal [--project NAME] [--fast] [--seed N]`."""

from shared.cli import run_week

WEEK = 20
TITLE = "Generative AI advanced: diffusion, GAN faces, prompting, multimodal stories"
PROJECTS = {
    "caption_dataset": "week20_genai_multimodal.caption_dataset",
    "dcgan_faces": "week20_genai_multimodal.faces",
    "text_to_image": "week20_genai_multimodal.text_to_image",
    "prompting": "week20_genai_multimodal.prompting",
    "storybook": "week20_genai_multimodal.storybook",
}

if __name__ == "__main__":
    raise SystemExit(run_week(WEEK, TITLE, PROJECTS))
