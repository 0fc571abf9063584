"""Run week 20: `python -m week20_genai_multimodal [--project NAME] [--fast] [--seed N]`."""

from shared.cli import run_week

WEEK = 20
TITLE = "Generative AI advanced: diffusion, GAN faces, prompting, multimodal stories"
PROJECTS = {
    "caption_dataset": "week20_genai_multimodal.projects.caption_dataset",
    "dcgan_faces": "week20_genai_multimodal.projects.faces",
    "text_to_image": "week20_genai_multimodal.projects.text_to_image",
    "prompting": "week20_genai_multimodal.projects.prompting",
    "storybook": "week20_genai_multimodal.projects.storybook",
}

if __name__ == "__main__":
    raise SystemExit(run_week(WEEK, TITLE, PROJECTS))
