"""Vocabulary shared by every app: it lives on the ground floor so that all may use it."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Department(models.TextChoices):
    """Departments that give opinions in the joint review or receive referrals."""

    DISCIPLINE = "discipline", _("Discipline inspection and supervision commission")
    POLICE = "police", _("Public security bureau")
    COURT = "court", _("Court")
    PROCURATORATE = "procuratorate", _("Procuratorate")
    JUSTICE = "justice", _("Justice bureau")
    PETITIONS = "petitions", _("Letters and visits bureau")
    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs bureau")
    AGRICULTURE = "agriculture", _("Agriculture and rural affairs bureau")
    HEALTH = "health", _("Health commission")
    MARKET = "market", _("Market regulation bureau")


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Ethnicity(models.TextChoices):
    """The 56 official ethnic groups, by their GB/T 3304 codes."""

    HAN = "01", _("Han")
    MONGOL = "02", _("Mongol")
    HUI = "03", _("Hui")
    TIBETAN = "04", _("Tibetan")
    UYGHUR = "05", _("Uyghur")
    MIAO = "06", _("Miao")
    YI = "07", _("Yi")
    ZHUANG = "08", _("Zhuang")
    BUYEI = "09", _("Buyei")
    KOREAN = "10", _("Korean")
    MANCHU = "11", _("Manchu")
    DONG = "12", _("Dong")
    YAO = "13", _("Yao")
    BAI = "14", _("Bai")
    TUJIA = "15", _("Tujia")
    HANI = "16", _("Hani")
    KAZAKH = "17", _("Kazakh")
    DAI = "18", _("Dai")
    LI = "19", _("Li")
    LISU = "20", _("Lisu")
    VA = "21", _("Va")
    SHE = "22", _("She")
    GAOSHAN = "23", _("Gaoshan")
    LAHU = "24", _("Lahu")
    SUI = "25", _("Sui")
    DONGXIANG = "26", _("Dongxiang")
    NAXI = "27", _("Naxi")
    JINGPO = "28", _("Jingpo")
    KYRGYZ = "29", _("Kyrgyz")
    TU = "30", _("Tu")
    DAUR = "31", _("Daur")
    MULAO = "32", _("Mulao")
    QIANG = "33", _("Qiang")
    BLANG = "34", _("Blang")
    SALAR = "35", _("Salar")
    MAONAN = "36", _("Maonan")
    GELAO = "37", _("Gelao")
    XIBE = "38", _("Xibe")
    ACHANG = "39", _("Achang")
    PUMI = "40", _("Pumi")
    TAJIK = "41", _("Tajik")
    NU = "42", _("Nu")
    UZBEK = "43", _("Uzbek")
    RUSSIAN = "44", _("Russian")
    EVENK = "45", _("Evenk")
    DEANG = "46", _("De'ang")
    BONAN = "47", _("Bonan")
    YUGUR = "48", _("Yugur")
    GIN = "49", _("Gin")
    TATAR = "50", _("Tatar")
    DERUNG = "51", _("Derung")
    OROQEN = "52", _("Oroqen")
    HEZHEN = "53", _("Hezhen")
    MONBA = "54", _("Monba")
    LHOBA = "55", _("Lhoba")
    JINO = "56", _("Jino")


class PoliticalStatus(models.TextChoices):
    CPC_MEMBER = "cpc_member", _("CPC member")
    CPC_PROBATIONARY = "cpc_probationary", _("CPC probationary member")
    CYL_MEMBER = "cyl_member", _("Communist Youth League member")
    MASSES = "masses", _("The masses")
    OTHER = "other", _("Other")


class Education(models.TextChoices):
    POSTGRADUATE = "postgraduate", _("Postgraduate")
    BACHELOR = "bachelor", _("Bachelor's degree")
    COLLEGE = "college", _("Junior college")
    VOCATIONAL = "vocational", _("Secondary vocational school")
    HIGH_SCHOOL = "high_school", _("High school")
    JUNIOR_HIGH = "junior_high", _("Junior high school")
    PRIMARY = "primary", _("Primary school or below")


class Light(models.IntegerChoices):
    """A cadre's warning light (综合预警), worst first by value. The register filters and sorts
    by it; the lights are computed and kept by the district layer (dongchang.warnings)."""

    NONE = 0, pgettext_lazy("light", "None")
    BLUE = 1, _("Blue")
    YELLOW = 2, _("Yellow")
    RED = 3, _("Red")

    @property
    def code(self) -> str:
        return self.name.lower()
